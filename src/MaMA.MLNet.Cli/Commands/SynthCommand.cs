using System.CommandLine;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Data.Phantom;

namespace MaMA.MLNet.Cli.Commands;

/// <summary><c>mama synth --out DIR --studies N [--seed S] [--size WxH]</c>: a phantom data set (PNG images + manifest.csv).</summary>
public sealed class SynthCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var output = new Option<string>("--out") { Description = "Output folder (images/ and manifest.csv).", Required = true };
        var studies = new Option<int>("--studies") { Description = "Number of four-image studies.", DefaultValueFactory = _ => 16 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var size = new Option<string>("--size") { Description = "Image size WxH.", DefaultValueFactory = _ => "256x320" };
        var command = new Command("synth", "Generate a synthetic mammography phantom data set with a manifest.") { output, studies, seed, size };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(studies);
            if (n < 1) return Fail($"--studies must be at least 1, got {n}.");
            string text = parse.GetValue(size) ?? "";
            var parts = text.Split('x', 'X');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int w) || !int.TryParse(parts[1], out int h) || w < 32 || h < 32 || w > 8192 || h > 8192)
                return Fail($"--size must be WxH with each side in [32, 8192], got '{text}'.");
            string folder = parse.GetValue(output)!;
            return CliProgress.Run(progress =>
            {
                using var stage = progress.Stage("synth studies", n);
                var records = new PhantomGenerator(new PhantomOptions { Width = w, Height = h, Seed = parse.GetValue(seed) })
                    .WriteDataset(folder, n, studiesWritten: new StageCounter(stage));
                stage.Dispose();
                progress.Log($"Wrote {records.Count} images of {n} studies and {Path.Combine(folder, "manifest.csv")}.");
                return ExitCodes.Success;
            });
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return ExitCodes.Usage;
    }
}
