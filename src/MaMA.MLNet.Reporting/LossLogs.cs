using System.Globalization;
using System.Text.Json;

namespace MaMA.MLNet.Reporting;

/// <summary>
/// Reads loss values over steps from the files training runs write, as (term, step, value) triples in file order:
/// the long-form CSV of the benchmarks (<c>step,elapsed_s,lr,term,value</c>) and the JSON-lines log of
/// <c>mama pretrain</c> (<c>training-log.jsonl</c>).
/// </summary>
public static class LossLogs
{
    /// <summary>The term name under which the training log's summed loss (<c>total</c>) is returned.</summary>
    public const string TotalTerm = "total";

    /// <summary>
    /// Reads a long-form CSV with a header that names at least the columns <c>step</c>, <c>term</c> and <c>value</c>
    /// (any order, other columns ignored; invariant culture; <c>NaN</c> allowed).
    /// </summary>
    /// <exception cref="ReportDataException">The file is missing, has no such header, or a row does not parse.</exception>
    public static IReadOnlyList<(string Term, long Step, double Value)> ReadCsv(string path)
    {
        var lines = ReadLines(path);
        if (lines.Length == 0 || lines[0].Trim().Length == 0) throw new ReportDataException(path, "empty file; expected a header such as step,elapsed_s,lr,term,value");
        var header = Split(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        int step = header.IndexOf("step"), term = header.IndexOf("term"), value = header.IndexOf("value");
        if (step < 0 || term < 0 || value < 0)
            throw new ReportDataException(path, $"the header '{lines[0]}' lacks a step, term or value column");
        var points = new List<(string, long, double)>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var fields = Split(lines[i]);
            if (fields.Count != header.Count) throw new ReportDataException(path, $"line {i + 1} has {fields.Count} fields, the header {header.Count}");
            if (!long.TryParse(fields[step], NumberStyles.Integer, CultureInfo.InvariantCulture, out long s))
                throw new ReportDataException(path, $"line {i + 1}: step '{fields[step]}' is not an integer");
            if (!double.TryParse(fields[value], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                throw new ReportDataException(path, $"line {i + 1}: value '{fields[value]}' is not a number");
            points.Add((fields[term].Trim(), s, v));
        }
        return points;
    }

    /// <summary>
    /// Reads the <c>"type":"train"</c> records of a training log: each entry of <c>losses</c>, and <c>total</c> as
    /// <see cref="TotalTerm"/> on every step when some step has more than one term (terms that start late, as the
    /// multi-view and local losses do, would otherwise leave the total's early steps out). After a resume a step appears again; the last record
    /// of a step wins, as the log's writer documents. Non-finite values (written as strings) come back as NaN or infinity.
    /// </summary>
    /// <exception cref="ReportDataException">The file is missing or a line is not a JSON object of that shape.</exception>
    public static IReadOnlyList<(string Term, long Step, double Value)> ReadTrainingLog(string path)
    {
        var lines = ReadLines(path);
        var byStep = new Dictionary<long, (List<(string, long, double)> Terms, double? Total)>();
        var order = new List<long>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            try
            {
                using var json = JsonDocument.Parse(lines[i]);
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new ReportDataException(path, $"line {i + 1} is not a JSON object");
                if (!root.TryGetProperty("type", out var type) || type.GetString() != "train") continue;
                if (!root.TryGetProperty("step", out var stepElement) || !stepElement.TryGetInt64(out long step))
                    throw new ReportDataException(path, $"line {i + 1}: a train record without an integer step");
                var terms = new List<(string, long, double)>();
                if (root.TryGetProperty("losses", out var losses) && losses.ValueKind == JsonValueKind.Object)
                    foreach (var loss in losses.EnumerateObject()) terms.Add((loss.Name, step, Number(loss.Value, path, i)));
                double? totalValue = root.TryGetProperty("total", out var total) ? Number(total, path, i) : null;
                if (!byStep.ContainsKey(step)) order.Add(step);
                byStep[step] = (terms, totalValue);
            }
            catch (JsonException e)
            {
                throw new ReportDataException(path, $"line {i + 1} is not valid JSON: {e.Message}", e);
            }
        }
        bool withTotal = byStep.Values.Any(r => r.Terms.Count > 1);
        return order.Order().SelectMany(s => withTotal && byStep[s].Total is { } t
            ? byStep[s].Terms.Append((TotalTerm, s, t))
            : byStep[s].Terms).ToList();
    }

    /// <summary>
    /// A top-level number of each <c>"type":"train"</c> record of a training log (e.g. <c>batch_size</c>), by step in step order;
    /// records without it are left out, and the last record of a step wins (as in <see cref="ReadTrainingLog"/>).
    /// </summary>
    /// <exception cref="ReportDataException">The file is missing, a line is not JSON, or the field is not a number.</exception>
    public static IReadOnlyDictionary<long, double> ReadTrainingLogNumber(string path, string field)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        var lines = ReadLines(path);
        var byStep = new SortedDictionary<long, double>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            try
            {
                using var json = JsonDocument.Parse(lines[i]);
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.GetString() != "train") continue;
                if (!root.TryGetProperty("step", out var stepElement) || !stepElement.TryGetInt64(out long step))
                    throw new ReportDataException(path, $"line {i + 1}: a train record without an integer step");
                if (root.TryGetProperty(field, out var value)) byStep[step] = Number(value, path, i);
            }
            catch (JsonException e)
            {
                throw new ReportDataException(path, $"line {i + 1} is not valid JSON: {e.Message}", e);
            }
        }
        return byStep;
    }

    /// <summary>
    /// The last <c>"type":"end"</c> record of a training log (<c>step</c>, <c>total_steps</c>, <c>stop_reason</c>,
    /// optional <c>time_budget_minutes</c>), or null when the log has none (a run still going, killed, or logged before
    /// runs recorded their end).
    /// </summary>
    /// <exception cref="ReportDataException">The file is missing, a line is not JSON, or an end record lacks a field.</exception>
    public static TrainingRunEnd? ReadTrainingLogEnd(string path)
    {
        var lines = ReadLines(path);
        TrainingRunEnd? end = null;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            try
            {
                using var json = JsonDocument.Parse(lines[i]);
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.GetString() != "end") continue;
                if (!root.TryGetProperty("step", out var step) || !step.TryGetInt64(out long steps)
                    || !root.TryGetProperty("total_steps", out var total) || !total.TryGetInt64(out long planned)
                    || !root.TryGetProperty("stop_reason", out var reason) || reason.ValueKind != JsonValueKind.String)
                    throw new ReportDataException(path, $"line {i + 1}: an end record needs an integer step and total_steps and a stop_reason");
                double? budget = root.TryGetProperty("time_budget_minutes", out var minutes) ? Number(minutes, path, i) : null;
                end = new TrainingRunEnd(steps, planned, reason.GetString()!, budget);
            }
            catch (JsonException e)
            {
                throw new ReportDataException(path, $"line {i + 1} is not valid JSON: {e.Message}", e);
            }
        }
        return end;
    }

    private static double Number(JsonElement value, string path, int line) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) => v,
        _ => throw new ReportDataException(path, $"line {line + 1}: '{value}' is not a number"),
    };

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReportDataException(path, $"cannot be read: {e.Message}", e);
        }
    }

    // Plain comma separation; a field in double quotes loses them (term names have no commas).
    private static List<string> Split(string line) =>
        line.Split(',').Select(f => f.Length >= 2 && f[0] == '"' && f[^1] == '"' ? f[1..^1] : f).ToList();
}
