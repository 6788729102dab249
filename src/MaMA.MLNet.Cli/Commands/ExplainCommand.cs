using System.CommandLine;
using MaMA.MLNet.Components;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>`mama explain`: where in a mammogram a sentence is, as a heat-map overlay PNG.</summary>
public sealed class ExplainCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "MaMA model directory (with a tokenizer).", Required = true };
        var image = new Option<FileInfo>("--image") { Description = "The mammogram (DICOM, PNG, JPEG, TIFF, PGM).", Required = true };
        var text = new Option<string>("--text") { Description = "The sentence to localise.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The overlay PNG to write.", Required = true };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var command = new Command("explain", "Text-grounded localisation: the patch-sentence similarity map of an image and a sentence, as a heat-map PNG.")
        {
            model, image, text, output, device,
        };
        command.SetAction(parse =>
        {
            try
            {
                using var handle = MaMAModelHandle.Load(parse.GetValue(model)!.FullName, parse.GetValue(device)!);
                int side = handle.Config.ImageSize;
                var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = side });
                float[] pixels = preprocessor.Preprocess(MammogramReader.Read(parse.GetValue(image)!.FullName));
                // A directory from `mama model init` has no tokenizer: fall back to the bundled GPT-2 one, as the other commands do.
                var tokenizer = handle.Tokenizer ?? MaMATokenizer.CreateGpt2();
                if (tokenizer.VocabularySize != handle.Config.TextVocabSize)
                    return ExitCodes.Fail($"{parse.GetValue(model)!.FullName}: no tokenizer folder, and the model's vocabulary ({handle.Config.TextVocabSize}) is not the bundled GPT-2 one ({tokenizer.VocabularySize}).", ExitCodes.BadInput);
                float[] map;
                using (var scope = NewDisposeScope())
                    map = TextGroundedLocalizer.ComputeMaps(handle, handle.ToDevice(pixels, [1, 3, side, side]), [parse.GetValue(text)!], tokenizer)[0];
                SimilarityOverlay.WritePng(pixels, map, side, parse.GetValue(output)!.FullName);
                Console.WriteLine($"{parse.GetValue(output)!.FullName}: similarity {map.Min():F3} .. {map.Max():F3}");
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is MammogramReadException or MaMAModelFormatException or InvalidOperationException or IOException)
            {
                return ExitCodes.Fail(e.Message, ExitCodes.BadInput);
            }
        });
        return command;
    }
}
