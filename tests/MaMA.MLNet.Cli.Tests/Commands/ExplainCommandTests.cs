using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Tests.Commands;

[TestClass]
public sealed class ExplainCommandTests
{
    private const string Sentence = "Mass in the upper outer quadrant.";

    private static string FirstImage() => MammogramManifestReader.Read(CliFixture.Manifest).Records[0].ImagePath;

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var savedError = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            var (code, output) = CliFixture.Capture(new ExplainCommand(), ["explain", .. args]);
            return (code, output, error.ToString());
        }
        finally
        {
            Console.SetError(savedError);
        }
    }

    [TestMethod]
    public void TheOverlayIsTheModelsSizeGrayWhereTheImageIsAndColouredByTheMap()
    {
        string image = FirstImage();
        string png = Path.Combine(CliFixture.Directory, "explain-" + Guid.NewGuid().ToString("N")[..8] + ".png");
        var (code, output, error) = Run("--model", CliFixture.Model, "--image", image, "--text", Sentence, "--out", png);
        Assert.AreEqual(ExitCodes.Success, code, $"stdout: {output} stderr: {error}");
        StringAssert.Contains(output, png);

        using var handle = MaMAModelHandle.Load(CliFixture.Model);
        int side = handle.Config.Vision.ImageSize;
        using var overlay = Image.Load<Rgb24>(png);
        Assert.AreEqual(side, overlay.Width);
        Assert.AreEqual(side, overlay.Height);

        // The plain image, read here without the command: gray, so every colour in the overlay comes from the map.
        float[] pixels = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = side }).Preprocess(MammogramReader.Read(image));
        float[] map;
        using (var scope = NewDisposeScope()) map = TextGroundedLocalizer.ComputeMaps(handle, handle.ToDevice(pixels, [1, 3, side, side]), [Sentence], handle.Tokenizer ?? MaMATokenizer.CreateGpt2())[0];
        int hottest = Array.IndexOf(map, map.Max()), coldest = Array.IndexOf(map, map.Min());
        Assert.AreNotEqual(hottest, coldest, "the map is not flat");

        static Rgb24 At(Image<Rgb24> picture, int index, int side) => picture[index % side, index / side];
        byte PlainGray(int index) => (byte)Math.Round(Math.Clamp(pixels[index] * 0.5f + 0.5f, 0, 1) * 255);
        var hot = At(overlay, hottest, side);
        var cold = At(overlay, coldest, side);
        // Jet ends: red at the map's maximum, blue at its minimum, blended at 0.45 over the gray.
        Assert.IsGreaterThan(hot.B + 40, (int)hot.R, $"hottest pixel {hot}");
        Assert.IsGreaterThan(cold.R + 40, (int)cold.B, $"coldest pixel {cold}");
        int differing = 0;
        for (int i = 0; i < side * side; i++)
        {
            var p = At(overlay, i, side);
            byte g = PlainGray(i);
            if (Math.Abs(p.R - g) + Math.Abs(p.G - g) + Math.Abs(p.B - g) > 10) differing++;
        }
        Assert.IsGreaterThan(side * side * 9 / 10, differing, "the heat map covers the image");
    }

    /// <summary>
    /// A ResNet's local grid is its last feature map (2 x 2 cells of 32 px at 64 px), not 14-px patches. Bilinear
    /// upsampling (align_corners false) copies each corner cell into a 16 x 16 corner block, so the overlay must be red in
    /// the corner of the cell most similar to the sentence and blue in that of the least similar, the cells computed here
    /// from the model's own patch-sentence similarity.
    /// </summary>
    [TestMethod]
    public void AResNetModelsMapIsItsLastFeatureMapUpsampled()
    {
        string image = FirstImage();
        string png = Path.Combine(CliFixture.Directory, "explain-resnet-" + Guid.NewGuid().ToString("N")[..8] + ".png");
        var (code, output, error) = Run("--model", SmallResNetModel.Directory, "--image", image, "--text", Sentence, "--out", png);
        Assert.AreEqual(ExitCodes.Success, code, $"stdout: {output} stderr: {error}");

        const int side = SmallResNetModel.ImageSize;
        using var overlay = Image.Load<Rgb24>(png);
        Assert.AreEqual(side, overlay.Width);
        Assert.AreEqual(side, overlay.Height);

        using var loaded = MaMAModelDirectory.Load(SmallResNetModel.Directory).Model;
        loaded.eval();
        float[] cells;
        using (var scope = NewDisposeScope())
        {
            float[] pixels = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = side }).Preprocess(MammogramReader.Read(image));
            var (ids, mask) = MaMATokenizer.CreateGpt2().EncodeCaptions([Sentence], loaded.Config.TextMaxLength).ToTensors();
            using var similarity = loaded.ComputePatchSentenceSimilarity(tensor(pixels, [1, 3, side, side]), ids, mask);
            Assert.AreEqual(2L, similarity.GridHeight);
            Assert.AreEqual(2L, similarity.GridWidth);
            Assert.AreEqual(1L, similarity.SentenceMask.sum().item<long>(), "one sentence");
            cells = similarity.Similarity[0, .., 0].contiguous().data<float>().ToArray();
        }
        int hottest = Array.IndexOf(cells, cells.Max()), coldest = Array.IndexOf(cells, cells.Min());
        Assert.AreNotEqual(hottest, coldest, "the cells differ");
        // The middle of a cell's 16 x 16 corner block: columns 0..15 or 48..63, rows likewise.
        static Rgb24 CornerOf(Image<Rgb24> picture, int cell) => picture[cell % 2 == 0 ? 8 : 55, cell / 2 == 0 ? 8 : 55];
        var hot = CornerOf(overlay, hottest);
        var cold = CornerOf(overlay, coldest);
        Assert.IsGreaterThan(hot.B + 40, (int)hot.R, $"the most similar cell's corner {hot}");
        Assert.IsGreaterThan(cold.R + 40, (int)cold.B, $"the least similar cell's corner {cold}");
    }

    [TestMethod]
    public void BadInputsGiveTheDocumentedExitCodes()
    {
        string dir = Path.Combine(CliFixture.Directory, "explain-bad-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string png = Path.Combine(dir, "out.png");
        string image = FirstImage();
        string notAnImage = Path.Combine(dir, "notes.png");
        File.WriteAllText(notAnImage, "not an image");

        var noModel = Run("--model", Path.Combine(dir, "no-model"), "--image", image, "--text", Sentence, "--out", png);
        Assert.AreEqual(ExitCodes.BadInput, noModel.Code, noModel.Error);
        StringAssert.Contains(noModel.Error, "no-model");

        var noImage = Run("--model", CliFixture.Model, "--image", Path.Combine(dir, "missing.png"), "--text", Sentence, "--out", png);
        Assert.AreEqual(ExitCodes.BadInput, noImage.Code, noImage.Error);
        StringAssert.Contains(noImage.Error, "missing.png");

        var garbage = Run("--model", CliFixture.Model, "--image", notAnImage, "--text", Sentence, "--out", png);
        Assert.AreEqual(ExitCodes.BadInput, garbage.Code, garbage.Error);
        StringAssert.Contains(garbage.Error, "notes.png");

        // As every writing command: a missing folder is made, an unwritable place is refused before the model is loaded.
        var unwritable = Run("--model", CliFixture.Model, "--image", image, "--text", Sentence, "--out", "/proc/mama-cannot-write-here/out.png");
        Assert.AreEqual(ExitCodes.BadInput, unwritable.Code, unwritable.Error);
        StringAssert.Contains(unwritable.Error, "--out /proc/mama-cannot-write-here/out.png: cannot write there");

        Assert.AreEqual(ExitCodes.Usage, Run("--model", CliFixture.Model, "--image", image, "--out", png).Code, "--text is required");
        Assert.AreEqual(ExitCodes.Usage, Run("--model", CliFixture.Model, "--text", Sentence, "--out", png).Code, "--image is required");
        Assert.IsFalse(File.Exists(png), "no failed call wrote an overlay");
    }
}
