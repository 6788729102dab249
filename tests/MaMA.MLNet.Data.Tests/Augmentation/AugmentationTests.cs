using MaMA.MLNet.Data.Augmentation;
using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Data.Tests.Augmentation;

// Resizing, crops and flips are Imaging's Resampler and ImageOperations, tested in MaMA.MLNet.Imaging.Tests.
[TestClass]
public sealed class AugmentationTests
{
    private static FloatImage Ramp(int w, int h) =>
        new(w, h, [.. Enumerable.Range(0, w * h).Select(i => (float)(i % w + 10 * (i / w)))]);

    private static FloatImage Constant(int w, int h, float v) => new(w, h, Enumerable.Repeat(v, w * h).ToArray());

    [TestMethod]
    public void GaussianKernel_MatchesTheClosedForm()
    {
        double[] k = PixelOps.GaussianKernel(7, 1.0);
        double sum = 1 + 2 * (Math.Exp(-0.5) + Math.Exp(-2) + Math.Exp(-4.5));
        Assert.AreEqual(1.0, k.Sum(), 1e-12);
        Assert.AreEqual(1 / sum, k[3], 1e-12);
        Assert.AreEqual(Math.Exp(-4.5) / sum, k[0], 1e-12);
        for (int i = 0; i < 7; i++) Assert.AreEqual(k[i], k[6 - i], 1e-15);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PixelOps.GaussianKernel(6, 1.0));
    }

    [TestMethod]
    public void GaussianBlur_KeepsAConstantImage_AndSpreadsAnImpulseAsTheKernel()
    {
        var blurredConstant = PixelOps.GaussianBlur(Constant(9, 6, 0.37f), 7, 1.7);
        foreach (float p in blurredConstant.Pixels) Assert.AreEqual(0.37f, p, 1e-6f);

        var impulse = new FloatImage(15, 15);
        impulse[7, 7] = 1;
        var blurred = PixelOps.GaussianBlur(impulse, 7, 0.8);
        double[] k = PixelOps.GaussianKernel(7, 0.8);
        for (int y = 4; y <= 10; y++)
            for (int x = 4; x <= 10; x++)
                Assert.AreEqual(k[x - 4] * k[y - 4], blurred[x, y], 1e-6);
        Assert.AreEqual(0f, blurred[3, 7]);
    }

    [TestMethod]
    public void Reflect_DoesNotRepeatTheEdge()
    {
        int[] expected = [2, 1, 0, 1, 2, 3, 4, 3, 2];
        for (int i = -2; i <= 6; i++) Assert.AreEqual(expected[i + 2], PixelOps.Reflect(i, 5));
    }

    [TestMethod]
    public void Brightness_And_Contrast_AreExactBlends()
    {
        var image = new FloatImage(2, 2, [0.2f, 0.4f, 0.8f, 0.6f]);
        var bright = PixelOps.AdjustBrightness(image, 1.5);
        CollectionAssert.AreEqual(new[] { 0.3f, 0.6f, 1f, 0.9f }, bright.Pixels.Select(v => MathF.Round(v, 6)).ToArray());
        var contrast = PixelOps.AdjustContrast(image, 0.5); // mean 0.5
        CollectionAssert.AreEqual(new[] { 0.35f, 0.45f, 0.65f, 0.55f }, contrast.Pixels.Select(v => MathF.Round(v, 6)).ToArray());
    }

    [TestMethod]
    public void RandomResizedCrop_RespectsScaleAndRatio_AndFallsBackToACentredCrop()
    {
        var random = new Random(11);
        for (int i = 0; i < 2000; i++)
        {
            PixelBox c = RandomResizedCropSampler.Sample(200, 150, random);
            Assert.IsTrue(c.X >= 0 && c.Y >= 0 && c.X + c.Width <= 200 && c.Y + c.Height <= 150, c.ToString());
            double area = (double)c.Width * c.Height / (200 * 150), ratio = (double)c.Width / c.Height;
            // Rounding w and h to integers moves area and ratio a little past the bounds.
            Assert.IsTrue(area > 0.09 && area < 1.01, $"area {area}");
            Assert.IsTrue(ratio > 0.7 && ratio < 1.4, $"ratio {ratio}");
        }
        // 100x10 with scale >= 0.9 never fits: centre crop with the ratio clamped to 4/3: 13x10 at (43, 0).
        Assert.AreEqual(new PixelBox(43, 0, 13, 10), RandomResizedCropSampler.Sample(100, 10, new Random(1), 0.9, 1.0));
    }

    [TestMethod]
    public void Train_IsSeededAndSized_AndStaysInRange()
    {
        var aug = new MammogramAugmentation(new AugmentationOptions { ResizeTo = 48, CropSize = 32 });
        var image = new FloatImage(40, 60, [.. Enumerable.Range(0, 2400).Select(i => (float)((i * 37 % 101) / 100.0))]);
        var a = aug.Train(image, new Random(42));
        var b = aug.Train(image, new Random(42));
        var c = aug.Train(image, new Random(43));
        Assert.AreEqual(32, a.Width);
        Assert.AreEqual(32, a.Height);
        CollectionAssert.AreEqual(a.Pixels, b.Pixels);
        CollectionAssert.AreNotEqual(a.Pixels, c.Pixels);
        Assert.IsTrue(a.Pixels.All(v => v >= 0 && v <= 1));
    }

    [TestMethod]
    public void Train_WithEverythingOff_IsAPlainResizeOfTheFullCrop()
    {
        var options = new AugmentationOptions
        {
            ResizeTo = 16, CropSize = 16, MinScale = 1, MaxScale = 1, MinRatio = 1, MaxRatio = 1,
            HorizontalFlipProbability = 0, VerticalFlipProbability = 0, JitterProbability = 0, BlurProbability = 0,
        };
        var image = Ramp(20, 20);
        CollectionAssert.AreEqual(Resampler.Resize(image, 16, 16).Pixels, new MammogramAugmentation(options).Train(image, new Random(1)).Pixels);
    }

    [TestMethod]
    public void Eval_IsResizeThenCentreCrop()
    {
        var aug = new MammogramAugmentation(new AugmentationOptions { ResizeTo = 12, CropSize = 8 });
        var image = Ramp(30, 30);
        CollectionAssert.AreEqual(ImageOperations.CenterCrop(Resampler.Resize(image, 12, 12), 8, 8).Pixels, aug.Eval(image).Pixels);
    }
}
