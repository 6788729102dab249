using System.CommandLine;
using MaMA.MLNet.Components;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling.Tokenization;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama explain --model DIR --image FILE --text SENTENCE --out FILE.png [--device D]</c>: where in a mammogram a
/// sentence is, as a heat-map overlay PNG. One image: an unreadable one is exit 3 naming it (there is nothing to skip to,
/// so no <c>--on-bad-image</c>).
/// </summary>
public sealed class ExplainCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var model = CommonOptions.Model("MaMA model directory (its tokenizer, else the bundled GPT-2 one).");
        var image = new Option<string>("--image") { Description = "The mammogram (DICOM, PNG, JPEG, TIFF, PGM).", Required = true };
        var text = new Option<string>("--text") { Description = "The sentence to localise.", Required = true };
        var output = new Option<string>("--out") { Description = "The overlay PNG to write.", Required = true };
        var device = CommonOptions.Device();
        var command = new Command("explain", "Text-grounded localisation: the patch-sentence similarity map of an image and a sentence, as a heat-map PNG.")
        {
            model, image, text, output, device,
        };
        command.SetAction(parse =>
        {
            if (CommonOptions.TryDevice(parse.GetValue(device), out string deviceName) is int deviceFailure) return deviceFailure;
            string outPath = Path.GetFullPath(parse.GetValue(output)!), modelPath = Path.GetFullPath(parse.GetValue(model)!);
            if (OutputChecks.File(outPath, "--out") is int unwritable) return unwritable;
            using var handle = MaMAModelHandle.Load(modelPath, deviceName);
            int side = handle.Config.ImageSize;
            var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = side });
            float[] pixels = preprocessor.Preprocess(MammogramReader.Read(Path.GetFullPath(parse.GetValue(image)!)));
            // A directory from `mama model init` has no tokenizer: fall back to the bundled GPT-2 one, as the other commands do.
            var tokenizer = handle.Tokenizer ?? MaMATokenizer.CreateGpt2();
            if (tokenizer.VocabularySize != handle.Config.TextVocabSize)
                return ExitCodes.Fail($"{modelPath}: no tokenizer folder, and the model's vocabulary ({handle.Config.TextVocabSize}) is not the bundled GPT-2 one ({tokenizer.VocabularySize}).", ExitCodes.BadInput);
            float[] map;
            using (var scope = NewDisposeScope())
                map = TextGroundedLocalizer.ComputeMaps(handle, handle.ToDevice(pixels, [1, 3, side, side]), [parse.GetValue(text)!], tokenizer)[0];
            SimilarityOverlay.WritePng(pixels, map, side, outPath);
            Console.WriteLine($"{outPath}: similarity {map.Min():F3} .. {map.Max():F3}");
            return ExitCodes.Success;
        });
        return command;
    }
}
