using System.CommandLine;
using System.Globalization;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Weights;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama predict --model FILE.mama.zip --manifest CSV [--split S]</c>: loads a saved pipeline (whose input is a
/// Path column, e.g. LoadMammograms then a classifier) and prints one tab-separated line per manifest image: the
/// path, the predicted key (when the pipeline writes PredictedLabel) and the Score values in round-trip format.
/// </summary>
public sealed class PredictCommand : ICliCommand
{
    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    /// <inheritdoc />
    public Command Build()
    {
        var modelFile = CommonOptions.Model("MaMA model file (.mama.zip, written by SaveMaMA or mama finetune).");
        var manifest = CommonOptions.Manifest();
        var split = CommonOptions.Split();
        var command = new Command("predict", "Run a saved MaMA pipeline on the manifest's images.") { modelFile, manifest, split };
        command.SetAction(parse =>
        {
            if (ManifestLoading.TryLoad(parse.GetValue(split), parse.GetValue(manifest)!, out var records) is int manifestFailure) return manifestFailure;
            string path = parse.GetValue(modelFile)!;
            if (!File.Exists(path)) return Fail($"{path}: the model file does not exist.", ExitCodes.BadInput);
            var ml = new MLContext(seed: 1);
            ITransformer model;
            try { model = ml.Model.LoadMaMA(path); }
            catch (Exception e) when (e is InvalidDataException or MaMAModelFormatException or WeightLoadException or IOException) { return Fail(e.Message, ExitCodes.BadInput); }
            try
            {
                var scored = model.Transform(ml.Data.LoadFromEnumerable(records.Select(r => new PathRow { Path = r.ImagePath })));
                var score = scored.Schema.GetColumnOrNull("Score") ?? throw new InvalidDataException($"{path}: the pipeline writes no Score column");
                var predicted = scored.Schema.GetColumnOrNull("PredictedLabel");
                var pathColumn = scored.Schema["Path"];
                using var cursor = scored.GetRowCursor(predicted is { } p ? [score, pathColumn, p] : [score, pathColumn]);
                var getPath = cursor.GetGetter<ReadOnlyMemory<char>>(pathColumn);
                var getScore = cursor.GetGetter<VBuffer<float>>(score);
                var getPredicted = predicted is { Type: KeyDataViewType } ? cursor.GetGetter<uint>(predicted.Value) : null;
                ReadOnlyMemory<char> file = default;
                VBuffer<float> values = default;
                uint key = 0;
                while (cursor.MoveNext())
                {
                    getPath(ref file);
                    getScore(ref values);
                    getPredicted?.Invoke(ref key);
                    string scores = string.Join(",", values.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
                    Console.WriteLine(getPredicted is null ? $"{file}\t{scores}" : $"{file}\t{key.ToString(CultureInfo.InvariantCulture)}\t{scores}");
                }
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is MammogramReadException or InvalidDataException or ArgumentOutOfRangeException)
            {
                return Fail(e.Message, ExitCodes.BadInput);
            }
        });
        return command;
    }

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);
}
