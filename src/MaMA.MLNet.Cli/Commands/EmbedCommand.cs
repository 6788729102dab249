using System.CommandLine;
using System.Globalization;
using System.Text;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Pretraining;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama embed --model DIR --manifest CSV --out CSV [--split S]</c>: one row per image: its path and its
/// L2-normalised MaMA embedding (columns e0..e{E-1}), invariant culture, round-trip precision.
/// </summary>
public sealed class EmbedCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var modelDir = CommonOptions.Model();
        var manifest = CommonOptions.Manifest();
        var output = new Option<string>("--out") { Description = "CSV file to write.", Required = true };
        var split = CommonOptions.Split();
        var badImages = BadImagePolicy.Option();
        var command = new Command("embed", "Write the MaMA image embedding of every manifest image to a CSV file.") { modelDir, manifest, output, split, badImages };
        command.SetAction(parse =>
        {
            if (BadImagePolicy.Parse(parse.GetValue(badImages)) is not { } skip) return ExitCodes.Usage;
            string outPath = parse.GetValue(output)!;
            if (OutputChecks.File(outPath, "--out") is int unwritable) return unwritable;
            if (ManifestLoading.TryLoad(parse.GetValue(split), parse.GetValue(manifest)!, out var records) is int manifestFailure) return manifestFailure;
            if (ManifestLoading.TryLoadModel(parse.GetValue(modelDir)!, out var loaded) is int modelFailure) return modelFailure;
            using var model = loaded!.Model;
            float[][] rows = [];
            IReadOnlyList<MaMA.MLNet.Data.Manifest.MammogramRecord> readable = records;
            int code = CliProgress.Run(progress =>
            {
                using var scope = NewDisposeScope();
                if (BadImagePolicy.Embed(model, records, skip, BadImagePolicy.ListPath(outPath), progress, out readable, out var embeddings) is int failure) return failure;
                rows = MaMAZeroShotEvaluation.Rows(embeddings);
                return ExitCodes.Success;
            });
            if (code != ExitCodes.Success) return code;
            int width = rows[0].Length;
            var text = new StringBuilder("path");
            for (int j = 0; j < width; j++) text.Append(",e").Append(j.ToString(CultureInfo.InvariantCulture));
            text.Append('\n');
            for (int i = 0; i < readable.Count; i++)
            {
                text.Append(BadImagePolicy.Quote(readable[i].ImagePath));
                for (int j = 0; j < width; j++) text.Append(',').Append(rows[i][j].ToString("R", CultureInfo.InvariantCulture));
                text.Append('\n');
            }
            File.WriteAllText(outPath, text.ToString());
            Console.WriteLine($"{readable.Count} embeddings of size {width} -> {outPath}");
            return ExitCodes.Success;
        });
        return command;
    }
}
