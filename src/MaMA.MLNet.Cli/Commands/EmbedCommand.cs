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
        var command = new Command("embed", "Write the MaMA image embedding of every manifest image to a CSV file.") { modelDir, manifest, output, split };
        command.SetAction(parse =>
        {
            if (ManifestLoading.TryLoad(parse.GetValue(split), parse.GetValue(manifest)!, out var records) is int manifestFailure) return manifestFailure;
            if (ManifestLoading.TryLoadModel(parse.GetValue(modelDir)!, out var loaded) is int modelFailure) return modelFailure;
            using var model = loaded!.Model;
            try
            {
                float[][] rows = [];
                CliProgress.Run(progress =>
                {
                    using var scope = NewDisposeScope();
                    rows = MaMAZeroShotEvaluation.Rows(ImageEmbeddings.Embed(model, records, progress));
                    return ExitCodes.Success;
                });
                int width = rows[0].Length;
                var text = new StringBuilder("path");
                for (int j = 0; j < width; j++) text.Append(",e").Append(j.ToString(CultureInfo.InvariantCulture));
                text.Append('\n');
                for (int i = 0; i < records.Count; i++)
                {
                    text.Append(Quote(records[i].ImagePath));
                    for (int j = 0; j < width; j++) text.Append(',').Append(rows[i][j].ToString("R", CultureInfo.InvariantCulture));
                    text.Append('\n');
                }
                File.WriteAllText(parse.GetValue(output)!, text.ToString());
                Console.WriteLine($"{records.Count} embeddings of size {width} -> {parse.GetValue(output)}");
                return ExitCodes.Success;
            }
            catch (MammogramReadException e)
            {
                return Fail(e.Message, ExitCodes.BadInput);
            }
        });
        return command;
    }

    // RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);
}
