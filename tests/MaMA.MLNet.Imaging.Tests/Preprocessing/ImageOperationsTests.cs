using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Imaging.Tests.Preprocessing;

[TestClass]
public sealed class ImageOperationsTests
{
    private static FloatImage Indexed(int w, int h) => new(w, h, Enumerable.Range(0, w * h).Select(i => (float)i).ToArray());

    [TestMethod]
    public void Crop_CopiesTheBox()
    {
        FloatImage crop = ImageOperations.Crop(Indexed(5, 4), new PixelBox(1, 2, 3, 2));
        CollectionAssert.AreEqual(new[] { 11f, 12f, 13f, 16f, 17f, 18f }, crop.Pixels);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageOperations.Crop(Indexed(5, 4), new PixelBox(3, 0, 3, 1)));
    }

    [TestMethod]
    public void CenterCrop_UsesTorchvisionsRoundedOffset()
    {
        // (6 - 3) / 2 = 1.5 rounds to 2 (ties to even); (5 - 2) / 2 = 1.5 -> 2.
        FloatImage crop = ImageOperations.CenterCrop(Indexed(6, 5), 3, 2);
        CollectionAssert.AreEqual(new[] { 14f, 15f, 16f, 20f, 21f, 22f }, crop.Pixels);
        // (6 - 2) / 2 = 2, (5 - 3) / 2 = 1: rows 1-3, columns 2-3.
        CollectionAssert.AreEqual(new[] { 8f, 9f, 14f, 15f, 20f, 21f }, ImageOperations.CenterCrop(Indexed(6, 5), 2, 3).Pixels);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageOperations.CenterCrop(Indexed(6, 5), 7, 3));
    }

    [TestMethod]
    public void FlipHorizontal_MirrorsEachRow() =>
        CollectionAssert.AreEqual(new[] { 2f, 1f, 0f, 5f, 4f, 3f }, ImageOperations.FlipHorizontal(Indexed(3, 2)).Pixels);

    [TestMethod]
    public void FlipVertical_ReversesTheRowOrder() =>
        CollectionAssert.AreEqual(new[] { 4f, 5f, 2f, 3f, 0f, 1f }, ImageOperations.FlipVertical(Indexed(2, 3)).Pixels);

    [TestMethod]
    public void ToNormalizedChw_RepeatsTheNormalisedPlaneThreeTimes()
    {
        var image = new FloatImage(2, 1, [0f, 1f]);
        CollectionAssert.AreEqual(new[] { -1f, 1f, -1f, 1f, -1f, 1f }, ImageOperations.ToNormalizedChw(image, 0.5f, 0.5f));
    }
}
