using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Evaluation;

/// <summary>
/// Reads a scored <see cref="IDataView"/> (a key-typed label and a Score vector, as ML.NET's multiclass
/// trainers and the MaMA zero-shot classifier write them) into a <see cref="ClassificationReport"/>.
/// </summary>
public static class ClassificationEvaluator
{
    /// <summary>Evaluates <paramref name="data"/>.</summary>
    /// <param name="data">Scored rows.</param>
    /// <param name="labelColumnName">Key-typed label (1-based keys; 0 = missing, skipped), or a numeric class index.</param>
    /// <param name="scoreColumnName">Vector of per-class scores, in key order.</param>
    /// <param name="classNames">Names to report; by default the label's key values, else "0", "1", ...</param>
    public static ClassificationReport Evaluate(IDataView data, string labelColumnName = "Label", string scoreColumnName = "Score",
        IReadOnlyList<string>? classNames = null)
    {
        var label = data.Schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(labelColumnName), $"no column '{labelColumnName}'");
        var score = data.Schema.GetColumnOrNull(scoreColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(scoreColumnName), $"no column '{scoreColumnName}'");
        if (score.Type is not VectorDataViewType { IsKnownSize: true } scoreType || scoreType.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(scoreColumnName), $"'{scoreColumnName}' must be a known-size vector of Single, not {score.Type}");
        int classes = scoreType.Size;
        classNames ??= KeyNames(label, classes) ?? Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        var labels = new List<int>();
        var scores = new List<float[]>();
        using var cursor = data.GetRowCursor([label, score]);
        var readLabel = LabelReader(cursor, label);
        var readScore = cursor.GetGetter<VBuffer<float>>(score);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            int index = readLabel();
            if (index < 0) continue; // missing label
            readScore(ref buffer);
            labels.Add(index);
            scores.Add(buffer.DenseValues().ToArray());
        }
        return ClassificationReport.Compute(labels, scores, classNames);
    }

    private static string[]? KeyNames(DataViewSchema.Column label, int classes)
    {
        if (label.Type is not KeyDataViewType || !label.HasKeyValues()) return null;
        VBuffer<ReadOnlyMemory<char>> names = default;
        label.GetKeyValues(ref names);
        var result = names.DenseValues().Select(n => n.ToString()).ToArray();
        return result.Length == classes ? result : null;
    }

    private static Func<int> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column label)
    {
        switch (label.Type)
        {
            case KeyDataViewType { RawType: var t } when t == typeof(uint):
                var key = cursor.GetGetter<uint>(label);
                return () => { uint v = 0; key(ref v); return (int)v - 1; };
            case NumberDataViewType when label.Type.RawType == typeof(int):
                var i32 = cursor.GetGetter<int>(label);
                return () => { int v = 0; i32(ref v); return v; };
            case NumberDataViewType when label.Type.RawType == typeof(uint):
                var u32 = cursor.GetGetter<uint>(label);
                return () => { uint v = 0; u32(ref v); return (int)v; };
            case NumberDataViewType when label.Type.RawType == typeof(float):
                var f32 = cursor.GetGetter<float>(label);
                return () => { float v = 0; f32(ref v); return float.IsNaN(v) ? -1 : (int)v; };
            case BooleanDataViewType:
                var b = cursor.GetGetter<bool>(label);
                return () => { bool v = false; b(ref v); return v ? 1 : 0; };
            default:
                throw new ArgumentOutOfRangeException(nameof(label), $"label '{label.Name}' has type {label.Type}: use a key, int, uint, float or bool column");
        }
    }
}
