using System.CommandLine;
using System.Globalization;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Data.ReferenceExport;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama export-reference --manifest CSV --out DIR</c>: the manifest as the data folder the MaMA reference
/// (github XYPB/MaMA) pretrains on with <c>scripts/pretrain.sh</c> (its <c>DATA_BASE_DIR</c>): EMBED tables and view
/// maps under <c>Embed/tables/</c>, images resized as <c>scripts/resize_embed.py</c> does under
/// <c>EMBED_1080_JPG/images/</c>. See <see cref="ReferenceExporter"/>.
/// </summary>
public sealed class ExportReferenceCommand : ICliCommand
{
    // What the export writes under --out; --overwrite removes these and nothing else.
    private static readonly string[] Outputs = [ReferenceLayout.EmbedFolder, ReferenceLayout.JpegFolder];

    /// <inheritdoc />
    public Command Build()
    {
        var manifest = new Option<string>("--manifest") { Description = "Manifest CSV.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write: the reference's DATA_BASE_DIR (gets Embed/ and EMBED_1080_JPG/).", Required = true };
        var dataRoot = new Option<string?>("--data-root") { Description = "Absolute path DATA_BASE_DIR will have where the reference trains, if not --out's (the view maps hold absolute paths)." };
        var longSide = new Option<int>("--long-side") { Description = "Long side of the resized images (the reference's resize_embed.py: 1080).", DefaultValueFactory = _ => ReferenceLayout.ImageLongSide };
        var quality = new Option<int>("--jpeg-quality") { Description = "JPEG quality 1-100 (PIL's default, which the reference uses: 75).", DefaultValueFactory = _ => ReferenceLayout.JpegQuality };
        var splitSeed = new Option<int>("--split-seed") { Description = "Seed of the 70/10/20 split by patient for rows without a split.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Images converted at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an earlier export in --out (its Embed/ and EMBED_1080_JPG/)." };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted export in --out (same manifest and options): keep the images it wrote, unchecked, write the rest and the tables." };
        var onBadImage = BadImagePolicy.Option();
        var outsidePaths = CommonOptions.AllowOutsidePaths();
        var command = new Command("export-reference", "Write a manifest as the EMBED data folder the MaMA reference (XYPB/MaMA scripts/pretrain.sh) trains on.")
        {
            manifest, output, dataRoot, longSide, quality, splitSeed, threads, overwrite, resume, onBadImage, outsidePaths,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(parse, cancellationToken)));
        return command;

        int Run(ParseResult parse, CancellationToken cancellationToken)
        {
            if (BadImagePolicy.Parse(parse.GetValue(onBadImage)) is not { } skip) return ExitCodes.Usage;
            int side = parse.GetValue(longSide), q = parse.GetValue(quality), n = parse.GetValue(threads);
            if (side is < 16 or > 16384) return ExitCodes.Fail($"--long-side must be in [16, 16384], got {side}.", ExitCodes.Usage);
            if (q is < 1 or > 100) return ExitCodes.Fail($"--jpeg-quality must be in [1, 100], got {q}.", ExitCodes.Usage);
            if (n < 1) return ExitCodes.Fail($"--threads must be at least 1, got {n}.", ExitCodes.Usage);
            bool replace = parse.GetValue(overwrite), keep = parse.GetValue(resume);
            if (replace && keep) return ExitCodes.Fail("--resume and --overwrite contradict each other; give one.", ExitCodes.Usage);
            string folder = Path.GetFullPath(parse.GetValue(output)!);
            string root = parse.GetValue(dataRoot) ?? folder.Replace('\\', '/');
            if (ReferenceLayout.DataRootProblem(root) is { } problem)
                return ExitCodes.Fail($"{(parse.GetValue(dataRoot) is null ? "--out" : "--data-root")} {root} cannot be the reference's DATA_BASE_DIR: {problem}.", ExitCodes.Usage);
            if (ManifestLoading.TryLoad(null, parse.GetValue(manifest)!, out var records, parse.GetValue(outsidePaths)) is int bad) return bad;
            if (OutputChecks.Folder(folder, "--out") is int unwritable) return unwritable;

            var earlier = Outputs.Select(o => Path.Combine(folder, o)).Where(Directory.Exists).ToList();
            if (earlier.Count > 0 && !replace && !keep)
                return ExitCodes.Fail($"--out {folder} already holds an export ({string.Join(", ", earlier.Select(Path.GetFileName))}); pass --resume to continue it or --overwrite to replace it.", ExitCodes.Usage);
            if (replace) foreach (string path in earlier) Directory.Delete(path, recursive: true);

            var options = new ReferenceExportOptions
            {
                OutputDirectory = folder, DataRoot = root, ImageLongSide = side, JpegQuality = q, MaxDegreeOfParallelism = n,
                SplitSeed = parse.GetValue(splitSeed), SkipUnreadableImages = skip, KeepExistingImages = keep,
            };
            return CliProgress.Run(progress =>
            {
                ReferenceExportResult result;
                using (var stage = progress.Stage("export images", records.Count))
                    result = ReferenceExporter.Export(records, options, new StageCounter(stage), cancellationToken);
                if (result.Unreadable.Count > 0)
                    BadImagePolicy.WriteList(result.Unreadable, records.Count, BadImagePolicy.ListPath(folder));
                Report(progress, result, folder, root);
                return result.Images == 0 ? ExitCodes.Fail("No image could be exported.", ExitCodes.BadInput) : ExitCodes.Success;
            });
        }
    }

    private static void Report(ICliProgress progress, ReferenceExportResult r, string folder, string root)
    {
        var inv = CultureInfo.InvariantCulture;
        progress.Log(string.Create(inv, $"Wrote {r.Images} images ({r.ImagesPerSplit[Data.Manifest.DatasetSplit.Train]} train, {r.ImagesPerSplit[Data.Manifest.DatasetSplit.Validation]} valid, {r.ImagesPerSplit[Data.Manifest.DatasetSplit.Test]} test) and the EMBED tables to {folder}."));
        foreach (var (split, count) in r.ImagesPerSplit)
            if (count == 0)
                progress.Log($"The {(split == Data.Manifest.DatasetSplit.Validation ? "valid" : split.ToString().ToLowerInvariant())} table is empty: the reference cannot build a dataset from it (its caption step fails on no rows), and train.py builds all three; give some patients that split.");
        if (r.KeptExistingImages > 0) progress.Log(string.Create(inv, $"Kept {r.KeptExistingImages} images from the earlier export."));
        if (r.SplitsAssigned > 0) progress.Log(string.Create(inv, $"{r.SplitsAssigned} rows had no split and were split by patient (70/10/20)."));
        if (r.ProceduresFromReason > 0) progress.Log(string.Create(inv, $"{r.ProceduresFromReason} rows had no procedure; their reason was written as one (the reference reads the reason from it)."));
        if (r.ImageTypesFilled > 0) progress.Log(string.Create(inv, $"{r.ImageTypesFilled} rows had no image type and were written as 2D."));
        foreach (var (why, count) in r.LeftOutByReference)
            progress.Log(string.Create(inv, $"The reference will leave out {count} images: {why}."));
        if (r.ClinicalValuesChanged > 0)
            progress.Log(string.Create(inv, $"{r.ClinicalValuesChanged} images share an exam side's clinical row with different values (EMBED keeps findings per exam side; the reference takes the highest BI-RADS)."));
        if (r.StudyIdsMixNumbersAndText)
            progress.Log("Some study ids are numbers and others are not: pandas reads acc_anon as numbers in some tables and as text in others, and the reference then finds no clinical row for an image. Give every study an id of one kind.");
        progress.Log($"In the reference's dataset/constants_val.py set DATA_BASE_DIR = \"{root}\", then run scripts/pretrain.sh.");
    }
}
