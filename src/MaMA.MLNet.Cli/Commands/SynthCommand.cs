using System.CommandLine;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama synth --out DIR --studies N [--seed S] [--size WxH] [--format png|dicom] [--rle]</c>: a phantom data set
/// (16-bit PNG or digital mammography DICOM images + manifest.csv pointing at them).
/// </summary>
public sealed class SynthCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var output = new Option<string>("--out") { Description = "Output folder (images/ and manifest.csv).", Required = true };
        var studies = new Option<int>("--studies") { Description = "Number of four-image studies.", DefaultValueFactory = _ => 16 };
        var seed = CommonOptions.Seed("Seed of the phantom studies.", 1);
        // --size is the phantom's canvas (WxH); a model's input size is --image-size wherever a command has one.
        var size = new Option<string>("--size") { Description = "Phantom image size WxH (the canvas, not a model input size).", DefaultValueFactory = _ => "256x320" };
        var format = new Option<string>("--format") { Description = "Image format: png (16-bit PNG) or dicom (digital mammography, For Presentation).", DefaultValueFactory = _ => "png" };
        format.AcceptOnlyFromAmong("png", "dicom");
        var rle = new Option<bool>("--rle") { Description = "With --format dicom: RLE lossless pixel data instead of uncompressed." };
        var command = new Command("synth", "Generate a synthetic mammography phantom data set with a manifest.") { output, studies, seed, size, format, rle };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(studies);
            if (n < 1) return Fail($"--studies must be at least 1, got {n}.");
            string text = parse.GetValue(size) ?? "";
            var parts = text.Split('x', 'X');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int w) || !int.TryParse(parts[1], out int h) || w < 32 || h < 32 || w > 8192 || h > 8192)
                return Fail($"--size must be WxH with each side in [32, 8192], got '{text}'.");
            string folder = parse.GetValue(output)!;
            if (OutputChecks.Folder(folder, "--out") is int unwritable) return unwritable;
            bool dicom = parse.GetValue(format) == "dicom";
            if (parse.GetValue(rle) && !dicom) return Fail("--rle needs --format dicom.");
            var generator = new PhantomGenerator(new PhantomOptions { Width = w, Height = h, Seed = parse.GetValue(seed) });
            IMammogramImageWriter writer = dicom
                ? generator.CreateDicomWriter(parse.GetValue(rle) ? DicomWriterCompression.Rle : DicomWriterCompression.None)
                : new PngMammogramImageWriter();
            return CliProgress.Run(progress =>
            {
                IReadOnlyList<MaMA.MLNet.Data.Manifest.MammogramRecord> records;
                using (var stage = progress.Stage("synth studies", n))
                    records = generator.WriteDataset(folder, n, writer, new StageCounter(stage));
                progress.Log($"Wrote {records.Count} images of {n} studies and {Path.Combine(folder, "manifest.csv")}.");
                return ExitCodes.Success;
            });
        });
        return command;
    }

    private static int Fail(string message) => ExitCodes.Fail(message, ExitCodes.Usage);
}
