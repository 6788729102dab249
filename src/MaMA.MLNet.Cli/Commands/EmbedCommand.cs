using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Embeddings;
using MaMA.MLNet.Onnx;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama embed --model DIR --manifest CSV --out PATH [--format parquet|csv] [--shard K/N | --shard-count N]
/// [--backend torch|onnx] [--device cpu|cuda|cuda:N|auto] [--on-bad-image fail|skip]</c>: streams one row per image (path, study, patient, view, laterality, L2-normalised
/// embedding) to a Parquet folder or a CSV file, a batch at a time, skipping the images the output already holds,
/// so a killed or preempted run resumes where it stopped.
/// </summary>
public sealed class EmbedCommand : ICliCommand
{
    /// <summary>
    /// Test hook, not a user option: after this many rows the process kills itself (SIGKILL, nothing flushed), so
    /// tests can cut a run half-way at a deterministic point and check that the re-run completes it.
    /// </summary>
    public const string KillAfterRowsVariable = "MAMA_TEST_EMBED_KILL_AFTER_ROWS";

    /// <inheritdoc />
    public Command Build()
    {
        var modelDir = CommonOptions.Model();
        var manifest = CommonOptions.Manifest();
        var outsidePaths = CommonOptions.AllowOutsidePaths();
        var output = new Option<string>("--out")
        {
            Description = "Where to write: a folder of Parquet part files (any name not ending in .csv, e.g. embeddings.parquet) or a CSV file (.csv).",
            Required = true,
        };
        var split = CommonOptions.Split();
        var format = new Option<string?>("--format") { Description = "parquet or csv (default: csv when --out ends in .csv, else parquet)." };
        var shard = new Option<string?>("--shard")
        {
            Description = $"K/N: embed shard K (0-based) of N, by study. Without it, --shard-count N takes K from {ManifestShard.KubernetesIndexVariable} or {ManifestShard.SlurmTaskIdVariable}.",
        };
        var shardCount = new Option<string?>("--shard-count") { Description = "N, the number of shards (K from the scheduler's environment unless --shard gives it)." };
        var backend = CommonOptions.Backend();
        var batchSize = new Option<int>("--batch-size") { Description = "Images encoded at once.", DefaultValueFactory = _ => 32 };
        var rowGroup = new Option<int>("--row-group-size") { Description = "Parquet rows per row group (the rows held before they are written).", DefaultValueFactory = _ => 1024 };
        var rowsPerFile = new Option<int>("--rows-per-file") { Description = "Parquet rows per part file (a part is published when complete: the most a killed run loses).", DefaultValueFactory = _ => 16384 };
        var badImages = BadImagePolicy.Option();
        var device = CommonOptions.Device();
        var command = new Command("embed", "Stream the MaMA image embedding of every manifest image to Parquet or CSV; resumable and shardable.")
        {
            modelDir, manifest, output, split, format, shard, shardCount, backend, batchSize, rowGroup, rowsPerFile, badImages, device,
        };
        command.Options.Add(outsidePaths);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            if (BadImagePolicy.Parse(parse.GetValue(badImages)) is not { } skip) return ExitCodes.Usage;
            EmbeddingTableFormat tableFormat;
            switch (parse.GetValue(format)?.Trim().ToLowerInvariant())
            {
                case null: tableFormat = EmbeddingTableWriter.FormatOf(outPath); break;
                case "parquet": tableFormat = EmbeddingTableFormat.Parquet; break;
                case "csv": tableFormat = EmbeddingTableFormat.Csv; break;
                default: return ExitCodes.Fail($"--format must be parquet or csv, got '{parse.GetValue(format)}'.", ExitCodes.Usage);
            }
            if (CommonOptions.ParseBackend(parse.GetValue(backend)) is not { } engine)
                return ExitCodes.Fail($"--backend must be torch or onnx, got '{parse.GetValue(backend)}'.", ExitCodes.Usage);
            if (CommonOptions.TryDevice(parse.GetValue(device), out string deviceName, engine) is int deviceFailure) return deviceFailure;
            foreach (var (flag, value) in new[] { ("--batch-size", parse.GetValue(batchSize)), ("--row-group-size", parse.GetValue(rowGroup)), ("--rows-per-file", parse.GetValue(rowsPerFile)) })
                if (value < 1) return ExitCodes.Fail($"{flag} must be at least 1, got {value}.", ExitCodes.Usage);
            ManifestShard part;
            try
            {
                part = ManifestShard.Parse(parse.GetValue(shard), parse.GetValue(shardCount), Environment.GetEnvironmentVariable);
            }
            catch (FormatException e)
            {
                return ExitCodes.Fail(e.Message, ExitCodes.Usage);
            }
            // Before any work: an unwritable --out found after the embedding loses it.
            if ((tableFormat == EmbeddingTableFormat.Csv ? OutputChecks.File(outPath, "--out") : OutputChecks.Folder(outPath, "--out")) is int unwritable) return unwritable;
            if (ManifestLoading.TryLoad(parse.GetValue(split), parse.GetValue(manifest)!, out var records, parse.GetValue(outsidePaths)) is int manifestFailure) return manifestFailure;
            var loaded = ManifestLoading.LoadModel(parse.GetValue(modelDir)!, deviceName, engine);
            using var model = loaded.Model;
            model.eval();
            var options = new EmbeddingTableWriterOptions
            {
                EmbeddingSize = model.Config.EmbeddingSize, Shard = part,
                RowGroupSize = parse.GetValue(rowGroup), RowsPerFile = parse.GetValue(rowsPerFile),
            };
            using (var writer = EmbeddingTableWriter.Open(outPath, tableFormat, options))
            {
                // This shard's images not yet in the output, each path once (a manifest may list an image twice).
                var seen = new HashSet<string>(writer.StoredPaths, StringComparer.Ordinal);
                var todo = part.Select(records).Where(r => seen.Add(r.ImagePath)).ToList();
                long killAfter = long.TryParse(Environment.GetEnvironmentVariable(KillAfterRowsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out long k) ? k : -1;
                var failures = new List<UnreadableImage>();
                using var stream = new ImageEmbeddingStream(model, engine, parse.GetValue(batchSize), onnxDevice: deviceName, warn: ExitCodes.Error.WriteLine);
                CliProgress.Run(progress =>
                {
                    using var stage = progress.Stage("embed images", todo.Count);
                    int done = 0;
                    foreach (var batch in stream.Embed(todo))
                    {
                        writer.Append(batch.Records.Select((r, i) => Row(r, batch.Embeddings[i])).ToList());
                        foreach (var (record, error) in batch.Failures) failures.Add(new UnreadableImage(failures.Count, record.ImagePath, error.Message));
                        done += batch.Records.Count + batch.Failures.Count;
                        stage.Report(done);
                        if (killAfter >= 0 && writer.RowsWritten >= killAfter) Process.GetCurrentProcess().Kill();
                    }
                    return ExitCodes.Success;
                });
                writer.Complete();
                Console.WriteLine($"{writer.RowsWritten} embeddings of size {options.EmbeddingSize} -> {outPath}" +
                                  (part.Count > 1 ? $" (shard {part})" : "") +
                                  (writer.StoredPaths.Count > 0 ? $"; {writer.StoredPaths.Count} already there" : "") +
                                  (stream.OnnxExecutionProvider is { } ep ? $"; ONNX Runtime on {ep}" : ""));
                if (failures.Count == 0) return ExitCodes.Success;
                // The readable images are written either way (a re-run skips them); fail names the first bad one, skip lists them.
                if (!skip)
                    return ExitCodes.Fail($"{failures[0].Reason} ({failures.Count} of {todo.Count} images cannot be read; the others were written; "
                        + "--on-bad-image skip lists them and exits 0)", ExitCodes.BadInput);
                BadImagePolicy.WriteList(failures, todo.Count, BadImagePolicy.ListPath(outPath));
                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static EmbeddingRow Row(MammogramRecord record, float[] embedding) => new()
    {
        Path = record.ImagePath, StudyId = record.StudyId, PatientId = record.PatientId, View = record.View,
        Laterality = record.Laterality switch { Laterality.Left => "L", Laterality.Right => "R", Laterality.Bilateral => "B", _ => null },
        Embedding = embedding,
    };
}
