using System.Text.Json;

namespace MaMA.MLNet.Training;

/// <summary>One optimiser step as the log records it.</summary>
/// <param name="Step">Steps completed after this one (the first step logs 1).</param>
/// <param name="Losses">Each term's mean over the micro-batches.</param>
/// <param name="Total">The sum of the terms.</param>
/// <param name="LearningRate">The rate this step used.</param>
/// <param name="Scales">Each learnable scale as the multiplier <c>exp(value)</c>, after clamping.</param>
/// <param name="Metrics">Each metric's mean over the micro-batches.</param>
/// <param name="GradientNorm">The global L2 gradient norm before clipping.</param>
/// <param name="SamplesPerSecond">Samples of this step divided by its wall time.</param>
/// <param name="StepSeconds">The step's wall time.</param>
/// <param name="ElapsedSeconds">Training time over all runs that led here.</param>
public sealed record StepRecord(
    long Step,
    IReadOnlyList<KeyValuePair<string, double>> Losses,
    double Total,
    double LearningRate,
    IReadOnlyList<KeyValuePair<string, double>> Scales,
    IReadOnlyList<KeyValuePair<string, double>> Metrics,
    double GradientNorm,
    double SamplesPerSecond,
    double StepSeconds,
    double ElapsedSeconds)
{
    /// <summary>
    /// Samples in each micro-batch: the batch every contrastive loss term of the step ranks within, so a reader can
    /// tell the term's value at chance (ln of the candidates per row); null when unknown (not written).
    /// </summary>
    public int? BatchSize { get; init; }
}

/// <summary>
/// Appends one JSON object per line: <c>{"type":"train","step":..,"losses":{..},"total":..,"lr":..,"scales":{..},
/// "metrics":{..},"grad_norm":..,"samples_per_second":..,"step_seconds":..,"elapsed_seconds":..}</c> per step and
/// <c>{"type":"validation","step":..,"metrics":{..}}</c> per validation and <c>{"type":"end",..}</c> when a run stops (<see cref="WriteEnd"/>). Each line is flushed when written, so a
/// crash loses at most the line being written. A resumed run first drops the lines of steps past its checkpoint
/// (<see cref="TruncateAfter"/>), so each step appears once.
/// </summary>
public sealed class TrainingLogWriter : IDisposable
{
    private readonly FileStream _stream;

    /// <summary>Opens <paramref name="path"/> for appending (creating it and its folder when missing).</summary>
    public TrainingLogWriter(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _stream = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.Read);
        FilePath = full;
    }

    /// <summary>
    /// Removes the records of steps after <paramref name="step"/> (and a partly written last line) from the log at
    /// <paramref name="path"/>, atomically: a run resumed from a checkpoint at that step writes them again.
    /// Returns how many lines were dropped; a missing file is left missing.
    /// </summary>
    public static int TruncateAfter(string path, long step)
    {
        if (!File.Exists(path)) return 0;
        var kept = new List<string>();
        int dropped = 0;
        foreach (string line in File.ReadLines(path))
        {
            long? lineStep = null;
            try
            {
                using var record = JsonDocument.Parse(line);
                if (record.RootElement.ValueKind == JsonValueKind.Object && record.RootElement.TryGetProperty("step", out var s) && s.TryGetInt64(out long value))
                    lineStep = value;
            }
            catch (JsonException)
            {
            }
            if (lineStep is { } n && n <= step) kept.Add(line);
            else dropped++;
        }
        if (dropped == 0) return 0;
        string temp = path + ".tmp";
        File.WriteAllLines(temp, kept);
        File.Move(temp, path, overwrite: true);
        return dropped;
    }

    /// <summary>The log file.</summary>
    public string FilePath { get; }

    /// <summary>Appends a step record.</summary>
    public void WriteStep(StepRecord r) => WriteLine(w =>
    {
        w.WriteString("type", "train");
        w.WriteNumber("step", r.Step);
        WriteMap(w, "losses", r.Losses);
        WriteNumber(w, "total", r.Total);
        WriteNumber(w, "lr", r.LearningRate);
        WriteMap(w, "scales", r.Scales);
        WriteMap(w, "metrics", r.Metrics);
        WriteNumber(w, "grad_norm", r.GradientNorm);
        WriteNumber(w, "samples_per_second", r.SamplesPerSecond);
        WriteNumber(w, "step_seconds", r.StepSeconds);
        WriteNumber(w, "elapsed_seconds", r.ElapsedSeconds);
        if (r.BatchSize is { } batch) w.WriteNumber("batch_size", batch);
    });

    /// <summary>
    /// Appends the end record of a run: <c>{"type":"end","step":..,"total_steps":..,"stop_reason":"..","time_budget_minutes":..}</c>
    /// (the budget only when there is one). A resumed run that stops again appends another; the last one tells.
    /// </summary>
    public void WriteEnd(long step, long totalSteps, string stopReason, TimeSpan? timeBudget) => WriteLine(w =>
    {
        w.WriteString("type", "end");
        w.WriteNumber("step", step);
        w.WriteNumber("total_steps", totalSteps);
        w.WriteString("stop_reason", stopReason);
        if (timeBudget is { } budget) WriteNumber(w, "time_budget_minutes", budget.TotalMinutes);
    });

    /// <summary>Appends a validation record.</summary>
    public void WriteValidation(long step, IEnumerable<KeyValuePair<string, double>> metrics) => WriteLine(w =>
    {
        w.WriteString("type", "validation");
        w.WriteNumber("step", step);
        WriteMap(w, "metrics", metrics);
    });

    private void WriteLine(Action<Utf8JsonWriter> body)
    {
        using (var w = new Utf8JsonWriter(_stream))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        _stream.WriteByte((byte)'\n');
        _stream.Flush();
    }

    private static void WriteMap(Utf8JsonWriter w, string name, IEnumerable<KeyValuePair<string, double>> values)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in values) WriteNumber(w, k, v);
        w.WriteEndObject();
    }

    // JSON has no NaN or infinity: write them as strings so a diverging run's last line still parses.
    private static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteString(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
