using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Imaging.Tests.Preprocessing;

[TestClass]
public sealed class MammogramPreprocessorTests
{
    // A dark 200x100 background with a bright 40x60 "breast" at columns 150-189, rows 20-79.
    private static FloatImage Phantom(bool onRight = true)
    {
        var image = new FloatImage(200, 100);
        int x0 = onRight ? 150 : 10;
        for (int y = 20; y < 80; y++) for (int x = x0; x < x0 + 40; x++) image[x, y] = 0.8f;
        return image;
    }

    [TestMethod]
    public void BreastRegion_IsTheBoundingBoxOfTheForeground()
    {
        BreastRegion region = BreastRegion.Find(Phantom());
        Assert.AreEqual(new PixelBox(150, 20, 40, 60), region.Box);
        Assert.AreEqual(0, region.LeftHalfCount);
        Assert.AreEqual(2400, region.RightHalfCount);
    }

    [TestMethod]
    public void CropThenStretch_FillsTheOutputWithTheBreast()
    {
        var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = 28, LongSide = 0 });
        FloatImage output = preprocessor.PrepareImage(Phantom());
        Assert.AreEqual(28, output.Width);
        Assert.AreEqual(28, output.Height);
        foreach (float v in output.Pixels) Assert.AreEqual(0.8f, v, 1e-5f);
    }

    [TestMethod]
    public void WithoutCrop_TheBackgroundRemains()
    {
        var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = 20, LongSide = 0, CropToBreast = false, Filter = ResampleFilter.Box });
        FloatImage output = preprocessor.PrepareImage(Phantom());
        Assert.AreEqual(0f, output[0, 10], 1e-6f);
        Assert.AreEqual(0.8f, output[17, 10], 1e-5f);
    }

    [TestMethod]
    public void Orientation_FlipsRightSidedBreastsByMass_AndByLaterality()
    {
        var options = new PreprocessingOptions { ImageSize = 20, LongSide = 0, CropToBreast = false, AlignOrientation = true, Filter = ResampleFilter.Box };
        FloatImage byMass = new MammogramPreprocessor(options).PrepareImage(Phantom(onRight: true));
        Assert.AreEqual(0.8f, byMass[2, 10], 1e-5f);
        Assert.AreEqual(0f, byMass[17, 10], 1e-6f);

        // Laterality wins over mass when known: a Left image is never mirrored.
        FloatImage left = new MammogramPreprocessor(options).PrepareImage(Phantom(onRight: true), Laterality.Left);
        Assert.AreEqual(0.8f, left[17, 10], 1e-5f);
        FloatImage massOnly = new MammogramPreprocessor(options with { OrientationSource = OrientationSource.Mass }).PrepareImage(Phantom(onRight: true), Laterality.Left);
        Assert.AreEqual(0.8f, massOnly[2, 10], 1e-5f);
    }

    [TestMethod]
    public void ShorterSideThenCenterCrop_KeepsTheAspectRatio()
    {
        // 40x80 vertical gradient, no crop: shorter side 40 -> 20, long side 80 -> 40, centre 20 rows kept (rows 10-29).
        var image = new FloatImage(40, 80);
        for (int y = 0; y < 80; y++) for (int x = 0; x < 40; x++) image[x, y] = y / 79f;
        var options = new PreprocessingOptions { ImageSize = 20, LongSide = 0, CropToBreast = false, SquareResize = SquareResize.ShorterSideThenCenterCrop, Filter = ResampleFilter.Box };
        FloatImage output = new MammogramPreprocessor(options).PrepareImage(image);
        // Output row r is the mean of input rows 2(r+10) and 2(r+10)+1.
        Assert.AreEqual((20 + 21) / 2f / 79f, output[5, 0], 1e-5f);
        Assert.AreEqual((58 + 59) / 2f / 79f, output[5, 19], 1e-5f);
    }

    [TestMethod]
    public void Preprocess_RendersNormalisesAndRepeatsChannels()
    {
        int[] values = new int[64 * 48];
        for (int y = 10; y < 40; y++) for (int x = 0; x < 20; x++) values[y * 64 + x] = 1000;
        var mammogram = new Mammogram("phantom", new MammographyHeader(), new GrayscaleFrame(64, 48, values, 12, false),
            new PixelPresentation { Windows = [new WindowSetting(2048, 4096)] });
        // Box filter: halving to 32x24 gives exact 2x2 block means, so the breast edge (on even coordinates) stays sharp.
        var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = 14, LongSide = 32, Filter = ResampleFilter.Box });
        float[] chw = preprocessor.Preprocess(mammogram);
        Assert.AreEqual(3 * 14 * 14, chw.Length);
        Assert.AreEqual(preprocessor.OutputLength, chw.Length);
        double display = VoiWindowFunctions.Linear(1000, 2048, 4096);
        for (int i = 0; i < chw.Length; i++) Assert.AreEqual((display - 0.5) / 0.5, chw[i], 1e-4, $"at {i}");
    }

    [TestMethod]
    public void ToPng16_WritesA16BitGrayscalePng()
    {
        var image = new FloatImage(3, 1, [0f, 0.5f, 1f]);
        using var stream = new MemoryStream();
        MammogramPreprocessor.WritePng16(image, stream);
        stream.Position = 0;
        using Image<L16> png = Image.Load<L16>(stream);
        Assert.AreEqual(3, png.Width);
        Assert.AreEqual(0, png[0, 0].PackedValue);
        Assert.AreEqual(32768, png[1, 0].PackedValue);
        Assert.AreEqual(65535, png[2, 0].PackedValue);
    }

    [TestMethod]
    public void BadOptions_AreRejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MammogramPreprocessor(new PreprocessingOptions { ImageSize = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MammogramPreprocessor(new PreprocessingOptions { ImageSize = 64, ResizeSize = 32 }));
    }
}
