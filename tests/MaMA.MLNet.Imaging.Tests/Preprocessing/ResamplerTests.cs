using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Imaging.Tests.Preprocessing;

[TestClass]
public sealed class ResamplerTests
{
    private static FloatImage Make(int w, int h, Func<int, int, float> f)
    {
        var image = new FloatImage(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) image[x, y] = f(x, y);
        return image;
    }

    [TestMethod]
    [DataRow(ResampleFilter.Box)]
    [DataRow(ResampleFilter.Bilinear)]
    [DataRow(ResampleFilter.Bicubic)]
    [DataRow(ResampleFilter.Lanczos3)]
    public void Constant_StaysConstant_ShrinkingAndEnlarging(ResampleFilter filter)
    {
        FloatImage constant = Make(97, 131, (_, _) => 0.37f);
        foreach ((int w, int h) in new[] { (13, 29), (200, 150), (97, 40), (20, 300) })
        {
            FloatImage resized = Resampler.Resize(constant, w, h, filter);
            Assert.AreEqual(w, resized.Width);
            Assert.AreEqual(h, resized.Height);
            foreach (float v in resized.Pixels) Assert.AreEqual(0.37f, v, 1e-5f);
        }
    }

    [TestMethod]
    public void BoxHalving_EqualsTwoByTwoBlockMeans()
    {
        var rng = new Random(11);
        FloatImage image = Make(64, 48, (_, _) => (float)rng.NextDouble());
        FloatImage half = Resampler.Resize(image, 32, 24, ResampleFilter.Box);
        for (int y = 0; y < 24; y++)
            for (int x = 0; x < 32; x++)
            {
                float mean = (image[2 * x, 2 * y] + image[2 * x + 1, 2 * y] + image[2 * x, 2 * y + 1] + image[2 * x + 1, 2 * y + 1]) / 4;
                Assert.AreEqual(mean, half[x, y], 1e-5f);
            }
    }

    [TestMethod]
    [DataRow(ResampleFilter.Bilinear)]
    [DataRow(ResampleFilter.Bicubic)]
    [DataRow(ResampleFilter.Lanczos3)]
    public void LinearRamp_StaysTheSameLineAwayFromTheBorders(ResampleFilter filter)
    {
        // v = 0.01 * x on input pixel centres; output pixel i is centred at input coordinate (i + 0.5) * s - 0.5.
        // The kernel is sampled at whole input pixels and renormalised, which moves its centroid by a small
        // fraction of a pixel at non-integer scales: allow 0.15 px (0.0015 in value).
        FloatImage ramp = Make(300, 4, (x, _) => 0.01f * x);
        foreach (int width in new[] { 75, 110, 450 })
        {
            FloatImage resized = Resampler.Resize(ramp, width, 4, filter);
            double s = 300.0 / width;
            int margin = (int)Math.Ceiling(4 / Math.Min(s, 1.0) + 1);
            for (int i = margin; i < width - margin; i++)
                Assert.AreEqual(0.01 * ((i + 0.5) * s - 0.5), resized[i, 2], 1.5e-3, $"filter {filter}, width {width}, pixel {i}: {resized[i, 2]} vs {0.01 * ((i + 0.5) * s - 0.5)}");
        }
    }

    [TestMethod]
    public void BilinearHalving_IsExactOnARamp()
    {
        // At an integer factor the widened triangle's samples are symmetric about the output centre.
        FloatImage ramp = Make(64, 2, (x, _) => 0.01f * x);
        FloatImage half = Resampler.Resize(ramp, 32, 2, ResampleFilter.Bilinear);
        for (int i = 2; i < 30; i++) Assert.AreEqual(0.01 * (2 * i + 0.5), half[i, 0], 1e-5);
    }

    [TestMethod]
    public void ShrinkingAnAlternatingPattern_Antialiases()
    {
        // A 1-pixel checkerboard shrunk 4x must come out near its mean (aliasing would keep 0s and 1s).
        FloatImage checker = Make(400, 400, (x, y) => (x + y) % 2);
        FloatImage small = Resampler.Resize(checker, 100, 100, ResampleFilter.Bilinear);
        for (int i = 0; i < small.Pixels.Length; i++) Assert.AreEqual(0.5f, small.Pixels[i], 0.05f);
    }

    [TestMethod]
    public void SameSize_IsAnExactCopy()
    {
        FloatImage ramp = Make(8, 4, (x, y) => x + 10 * y);
        FloatImage copy = Resampler.Resize(ramp, 8, 4);
        CollectionAssert.AreEqual(ramp.Pixels, copy.Pixels);
        Assert.AreNotSame(ramp.Pixels, copy.Pixels);
    }

    [TestMethod]
    public void ResizeRegion_OfAConstantRegion_IsThatConstant()
    {
        FloatImage image = Make(20, 20, (x, y) => x is >= 2 and < 12 && y is >= 5 and < 15 ? 1 : 0);
        foreach (float p in Resampler.ResizeRegion(image, new PixelBox(2, 5, 10, 10), 10, 10).Pixels) Assert.AreEqual(1f, p, 1e-6f);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Resampler.ResizeRegion(image, new PixelBox(15, 0, 10, 10), 4, 4));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Resampler.ResizeRegion(image, new PixelBox(0, 0, 0, 10), 4, 4));
    }

    [TestMethod]
    public void ResizeRegion_SamplesFromTheRegionOffset_AndReadsAcrossItsBorder()
    {
        // Halving the region x in [5, 25) of v = x: output i is centred at 5 + 2i + 1 with weights 1/8, 3/8, 3/8, 1/8
        // on x = 4 + 2i .. 7 + 2i, so it reads 5 + 2i + 0.5, the first pixel included (it reaches x = 4, outside
        // the region, as PIL's resize with a box does). Rows: region y in [1, 4) kept at 3 rows (scale 1).
        FloatImage ramp = Make(40, 6, (x, _) => x);
        FloatImage half = Resampler.ResizeRegion(ramp, new PixelBox(5, 1, 20, 3), 10, 3);
        Assert.AreEqual(10, half.Width);
        Assert.AreEqual(3, half.Height);
        for (int y = 0; y < 3; y++)
            for (int i = 0; i < 10; i++) Assert.AreEqual(5 + 2 * i + 0.5, half[i, y], 1e-4);

        // Vertically too, and a region that equals the output size is a plain crop.
        FloatImage columnRamp = Make(3, 40, (_, y) => y);
        FloatImage tall = Resampler.ResizeRegion(columnRamp, new PixelBox(1, 5, 2, 20), 2, 10);
        for (int j = 0; j < 10; j++) Assert.AreEqual(5 + 2 * j + 0.5, tall[1, j], 1e-4);
        CollectionAssert.AreEqual(ImageOperations.Crop(columnRamp, new PixelBox(1, 5, 2, 20)).Pixels,
            Resampler.ResizeRegion(columnRamp, new PixelBox(1, 5, 2, 20), 2, 20).Pixels);
    }
}
