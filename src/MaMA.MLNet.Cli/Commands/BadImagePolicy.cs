using System.CommandLine;
using System.Globalization;
using System.Text;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Embeddings;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Pretraining;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>--on-bad-image fail|skip</c> of the batch commands (ML.NET's loader has the same choice). <c>fail</c> (the default):
/// exit 3 with one line naming the first unreadable image and how many there are. <c>skip</c>: the readable images
/// are processed; the others are listed, with the reason, in a CSV beside the output, and counted on standard error.
/// </summary>
internal static class BadImagePolicy
{
    /// <summary>The option, declared once so every command spells and explains it alike.</summary>
    public static Option<string> Option() => new("--on-bad-image")
    {
        Description = "What to do with an image that cannot be read: fail (exit 3, naming the first) or skip (list it in a CSV beside the output).",
        DefaultValueFactory = _ => "fail",
    };

    /// <summary>True for skip, false for fail; null (with the usage message written) for anything else.</summary>
    public static bool? Parse(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "fail" => false,
        "skip" => true,
        _ => Usage(text),
    };

    private static bool? Usage(string? text)
    {
        Console.Error.WriteLine($"--on-bad-image must be fail or skip, got '{text}'.");
        return null;
    }

    /// <summary>Where the list of skipped images goes: beside <paramref name="output"/> when the command writes a file, else in the working directory.</summary>
    public static string ListPath(string? output) =>
        output is null ? Path.GetFullPath("bad-images.csv")
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Path.TrimEndingDirectorySeparator(output))) ?? ".", Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(output)) + ".bad-images.csv");

    /// <summary>
    /// Embeds <paramref name="records"/> going past unreadable images. Returns the readable records and their embeddings
    /// [n, E] (in the caller's dispose scope), or the exit code when there were unreadable images and <paramref name="skip"/>
    /// is false (after writing the one line).
    /// </summary>
    public static int? Embed(MaMAModel model, IReadOnlyList<MammogramRecord> records, bool skip, string listPath, ICliProgress progress,
                             out IReadOnlyList<MammogramRecord> readable, out Tensor embeddings, string stageName = "embed images",
                             MaMAInferenceBackend backend = MaMAInferenceBackend.TorchSharp)
    {
        model.eval();
        var unreadable = new List<UnreadableImage>();
        using (var stage = progress.Stage(stageName, records.Count))
        {
            if (backend == MaMAInferenceBackend.TorchSharp)
                embeddings = MaMAZeroShotEvaluation.EmbedImages(model, records, unreadable, imagesDone: new StageCounter(stage));
            else
                embeddings = EmbedWithStream(model, records, backend, unreadable, stage);
        }
        var bad = unreadable.Select(u => u.Index).ToHashSet();
        readable = records.Where((_, i) => !bad.Contains(i)).ToList();
        if (unreadable.Count == 0) return null;
        if (!skip)
        {
            return ExitCodes.Fail($"{unreadable[0].Reason} ({unreadable.Count} of {records.Count} images cannot be read; --on-bad-image skip goes on without them)", ExitCodes.BadInput);
        }
        WriteList(unreadable, records.Count, listPath);
        if (readable.Count == 0) return ExitCodes.Fail("No image could be read.", ExitCodes.BadInput);
        return null;
    }

    // The readable records' embeddings [n, E] by the stream (the ONNX Runtime backend); unreadable ones go to the list.
    private static Tensor EmbedWithStream(MaMAModel model, IReadOnlyList<MammogramRecord> records, MaMAInferenceBackend backend,
                                          List<UnreadableImage> unreadable, IProgressStage stage)
    {
        int width = model.Config.EmbeddingSize;
        var rows = new List<float[]>();
        int done = 0;
        using var stream = new ImageEmbeddingStream(model, backend);
        foreach (var batch in stream.Embed(records))
        {
            // Batches come in order; a batch's failures and records together cover its slice of the records.
            int batchSize = batch.Records.Count + batch.Failures.Count;
            var failed = new Dictionary<MammogramRecord, MammogramReadException>(ReferenceEqualityComparer.Instance);
            foreach (var (record, error) in batch.Failures) failed.TryAdd(record, error);
            for (int i = done; i < done + batchSize; i++)
                if (failed.TryGetValue(records[i], out var error))
                    unreadable.Add(new UnreadableImage(i, records[i].ImagePath, error.Message));
            rows.AddRange(batch.Embeddings);
            done += batchSize;
            stage.Report(done);
        }
        return tensor(rows.SelectMany(r => r).ToArray(), [rows.Count, width]);
    }

    /// <summary>Writes the skipped images (path, reason) to <paramref name="listPath"/> and their count to standard error.</summary>
    public static void WriteList(IReadOnlyList<UnreadableImage> unreadable, int total, string listPath)
    {
        var csv = new StringBuilder("path,reason\n");
        foreach (var u in unreadable) csv.Append(CsvCell.Text(u.Path)).Append(',').Append(CsvCell.Text(u.Reason.ReplaceLineEndings(" "))).Append('\n');
        File.WriteAllText(listPath, csv.ToString());
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Skipped {unreadable.Count} of {total} images that cannot be read; listed in {listPath}."));
    }
}
