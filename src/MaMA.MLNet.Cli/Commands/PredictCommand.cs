using System.CommandLine;
using System.Globalization;
using MaMA.MLNet.Data.Manifest;
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
        var outsidePaths = CommonOptions.AllowOutsidePaths();
        var split = CommonOptions.Split();
        var output = new Option<string?>("--out") { Description = "CSV file to write: a header (path, predicted, one score column per class) and the class names as predicted labels." };
        var command = new Command("predict", "Run a saved MaMA pipeline on the manifest's images.") { modelFile, manifest, split, output };
        command.Options.Add(outsidePaths);
        command.SetAction(parse =>
        {
            string? outPath = parse.GetValue(output);
            if (outPath is not null && OutputChecks.File(outPath, "--out") is int unwritable) return unwritable;
            if (ManifestLoading.TryLoad(parse.GetValue(split), parse.GetValue(manifest)!, out var records, parse.GetValue(outsidePaths)) is int manifestFailure) return manifestFailure;
            string path = parse.GetValue(modelFile)!;
            if (Directory.Exists(path))
                return Fail($"--model {path}: a directory was given where a .mama.zip pipeline file is needed (written by mama finetune or SaveMaMA); "
                    + "for a model directory use zeroshot, evaluate or embed.", ExitCodes.BadInput);
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
                var classNames = ClassNames(scored.Schema, predicted, score);
                var csv = new System.Text.StringBuilder("path");
                if (getPredicted is not null) csv.Append(",predicted");
                foreach (var name in classNames) csv.Append(',').Append(CsvCell.Text("score_" + name));
                csv.Append('\n');
                while (cursor.MoveNext())
                {
                    getPath(ref file);
                    getScore(ref values);
                    getPredicted?.Invoke(ref key);
                    var dense = values.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToList();
                    string scores = string.Join(",", dense);
                    Console.WriteLine(getPredicted is null ? $"{file}\t{scores}" : $"{file}\t{key.ToString(CultureInfo.InvariantCulture)}\t{scores}");
                    csv.Append(CsvCell.Text(file.ToString()));
                    if (getPredicted is not null)
                        csv.Append(',').Append(CsvCell.Text(key >= 1 && key <= classNames.Count ? classNames[(int)key - 1] : "")); // keys are 1-based; 0 is missing
                    foreach (var v in dense) csv.Append(',').Append(v);
                    csv.Append('\n');
                }
                if (outPath is not null)
                {
                    File.WriteAllText(outPath, csv.ToString());
                    Console.Error.WriteLine($"Predictions -> {Path.GetFullPath(outPath)}");
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

    // The class names: the predicted label's key values, else the score's slot names, else 1..K.
    private static IReadOnlyList<string> ClassNames(DataViewSchema schema, DataViewSchema.Column? predicted, DataViewSchema.Column score)
    {
        int count = score.Type is VectorDataViewType v ? v.Size : 1;
        foreach (var (column, kind) in new[] { (predicted, "KeyValues"), ((DataViewSchema.Column?)score, "SlotNames") })
        {
            if (column is not { } c || c.Annotations.Schema.GetColumnOrNull(kind) is not { Type: VectorDataViewType { ItemType: TextDataViewType } }) continue;
            VBuffer<ReadOnlyMemory<char>> names = default;
            c.Annotations.GetValue(kind, ref names);
            var list = names.DenseValues().Select(n => n.ToString()).ToList();
            if (list.Count == count && list.All(n => n.Length > 0)) return list;
        }
        return Enumerable.Range(1, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
    }

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);
}
