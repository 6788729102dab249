using System.Collections.Concurrent;
using System.Text;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging;

namespace MaMA.MLNet.Data.ReferenceExport;

/// <summary>
/// Writes a manifest as the data folder the MaMA reference trains on (github XYPB/MaMA, <c>scripts/pretrain.sh</c>
/// with <c>--embed --structural_cap --load_jpg --inter_side</c>): the EMBED tables and view maps under
/// <c>Embed/tables/</c> and the images resized as <c>scripts/resize_embed.py</c> does under
/// <c>EMBED_1080_JPG/images/</c> (<see cref="ReferenceLayout"/>, <see cref="ReferenceTables"/>,
/// <see cref="ReferenceImageConverter"/>). Its PyTorch Lightning checkpoint comes back through
/// <c>MaMAReferenceCheckpoint</c> (<c>mama model init --mama-checkpoint</c>).
/// </summary>
/// <remarks>
/// Images go to <c>patient/study/name</c> (each part reduced to letters, digits, '.', '_' and '-'; "Embed" and ".dcm",
/// which the reference's path functions replace, are rewritten; a repeated name gets "_2", "_3"). Each JPEG is written
/// to a temporary file and renamed, so an interrupted export leaves only whole images, which
/// <see cref="ReferenceExportOptions.KeepExistingImages"/> keeps. The tables are written last, for the images that made it.
/// </remarks>
public static class ReferenceExporter
{
    /// <summary>The procedure written for a record that has a reason but no procedure.</summary>
    public const string ScreeningProcedure = "MG Screening";
    /// <summary>The procedure written for a diagnostic record without a procedure.</summary>
    public const string DiagnosticProcedure = "MG Diagnostic";

    /// <summary>Exports <paramref name="records"/>; <paramref name="imagesDone"/> hears the count of images handled.</summary>
    /// <exception cref="ReferenceExportException">An image cannot be read or converted and <see cref="ReferenceExportOptions.SkipUnreadableImages"/> is false.</exception>
    /// <exception cref="ArgumentException">The options are out of range, or the data root cannot be the reference's DATA_BASE_DIR.</exception>
    public static ReferenceExportResult Export(IReadOnlyList<MammogramRecord> records, ReferenceExportOptions options,
                                              IProgress<int>? imagesDone = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ImageLongSide, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ImageLongSide, 16384);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.JpegQuality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.JpegQuality, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegreeOfParallelism, 1);
        string output = Path.GetFullPath(options.OutputDirectory);
        string dataRoot = options.DataRoot ?? output.Replace('\\', '/');
        if (ReferenceLayout.DataRootProblem(dataRoot) is { } problem)
            throw new ArgumentException($"{dataRoot} cannot be the reference's DATA_BASE_DIR: {problem}.", nameof(options));

        var (planned, splitsAssigned, procedures, imageTypes) = Plan(records, options.SplitSeed);
        var reader = options.Reader ?? MammogramReader.Default;
        var unreadable = new ConcurrentBag<UnreadableImage>();
        int kept = 0, done = 0;
        try
        {
            Parallel.For(0, planned.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken }, i =>
            {
                string jpeg = Path.Combine(output, ReferenceLayout.JpegPath(planned[i].Relative));
                if (options.KeepExistingImages && File.Exists(jpeg)) Interlocked.Increment(ref kept);
                else if (ConvertOne(reader, records[i].ImagePath, jpeg, options) is { } reason)
                {
                    if (!options.SkipUnreadableImages) throw new ReferenceExportException(records[i].ImagePath, reason);
                    unreadable.Add(new UnreadableImage(i, records[i].ImagePath, reason));
                }
                imagesDone?.Report(Interlocked.Increment(ref done));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<ReferenceExportException>().FirstOrDefault() is { } failure)
        {
            // The first image that stopped the export, not the loop's wrapper.
            throw failure;
        }

        var bad = unreadable.Select(u => u.Index).ToHashSet();
        var images = planned.Where((_, i) => !bad.Contains(i)).ToList();
        string tables = Path.Combine(output, ReferenceLayout.EmbedFolder, ReferenceLayout.TablesFolder);
        ReferenceTables.Write(tables, images, dataRoot);
        RemoveCaptionCaches(Path.Combine(output, ReferenceLayout.EmbedFolder));
        var (leftOut, changed) = ReadBack(tables, images);
        return new ReferenceExportResult
        {
            Images = images.Count,
            ImagesPerSplit = Enum.GetValues<DatasetSplit>().ToDictionary(s => s, s => images.Count(i => i.Split == s)),
            KeptExistingImages = kept,
            Unreadable = unreadable.OrderBy(u => u.Index).ToList(),
            SplitsAssigned = splitsAssigned,
            ProceduresFromReason = procedures,
            ImageTypesFilled = imageTypes,
            LeftOutByReference = leftOut,
            ClinicalValuesChanged = changed,
            StudyIdsMixNumbersAndText = images.Select(i => LooksNumeric(i.Record.StudyId)).Distinct().Count() > 1,
        };
    }

    /// <summary>
    /// Deletes the caption caches the reference keeps beside the tables (<c>pretrain_dataset.py</c>,
    /// <c>load_text_data</c>: <c>{split}_captions*.pickle</c> in EMBED_DATA_DIR, written on first use and read ever
    /// after): made from earlier tables, they would pair images with stale captions.
    /// </summary>
    private static void RemoveCaptionCaches(string embedFolder)
    {
        foreach (string split in new[] { "train", "valid", "test" })
            foreach (string cache in Directory.EnumerateFiles(embedFolder, split + "_captions*.pickle"))
                File.Delete(cache);
    }

    // Reads, converts and writes one image; the reason it cannot be read or converted, or null when written.
    private static string? ConvertOne(MammogramReader reader, string source, string jpeg, ReferenceExportOptions options)
    {
        Gray8Image image;
        using (DecodeMemoryGate.Shared.BeginScope())
        {
            try
            {
                image = ReferenceImageConverter.Convert(reader.ReadFile(source), options.ImageLongSide);
            }
            catch (MammogramReadException e)
            {
                return e.Message;
            }
            catch (ArgumentException e)
            {
                return e.Message;
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(jpeg)!);
        string temporary = jpeg + ".partial";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            ReferenceImageConverter.WriteJpeg(image, stream, options.JpegQuality);
        File.Move(temporary, jpeg, overwrite: true);
        return null;
    }

    private static (List<ReferenceImage> Images, int SplitsAssigned, int Procedures, int ImageTypes) Plan(IReadOnlyList<MammogramRecord> records, int seed)
    {
        var images = new List<ReferenceImage>(records.Count);
        var used = new HashSet<string>(StringComparer.Ordinal);
        int splits = 0, procedures = 0, imageTypes = 0;
        foreach (var record in records)
        {
            var r = record;
            if (r.Procedure is null && r.Reason is { } reason)
            {
                r = r with { Procedure = reason == ExamReason.Screening ? ScreeningProcedure : DiagnosticProcedure };
                procedures++;
            }
            if (r.ImageType is null)
            {
                r = r with { ImageType = "2D" };
                imageTypes++;
            }
            DatasetSplit split = r.Split ?? SplitOf(r.PatientId, seed);
            if (r.Split is null) splits++;
            string stem = Path.GetFileNameWithoutExtension(r.ImagePath);
            string baseName = PathPart(r.PatientId) + "/" + PathPart(r.StudyId) + "/" + PathPart(stem);
            string relative = baseName;
            for (int n = 2; !used.Add(relative); n++) relative = baseName + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            images.Add(new ReferenceImage(r, relative, split));
        }
        return (images, splits, procedures, imageTypes);
    }

    /// <summary>True when pandas' CSV reader would read <paramref name="text"/> as a number (an integer or a decimal, optionally signed, with an exponent).</summary>
    public static bool LooksNumeric(string text) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, @"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$");

    /// <summary>
    /// <paramref name="text"/> as one safe path part: letters, digits, '.', '_', '-' kept, anything else '_';
    /// "Embed" and ".dcm" (which the reference replaces wherever they occur) become "embed" and "_dcm"; never empty, "." or "..".
    /// </summary>
    public static string PathPart(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (char c in text) builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        string part = builder.ToString().Replace("Embed", "embed", StringComparison.Ordinal).Replace(".dcm", "_dcm", StringComparison.Ordinal);
        return part is "" or "." or ".." ? "_" + part : part;
    }

    /// <summary>The split of a patient without one: FNV-1a of the seed and id; 70% train, 20% test, 10% valid (<c>preprocess_embed.py</c>'s shares).</summary>
    public static DatasetSplit SplitOf(string patientId, int seed)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        ulong hash = 14695981039346656037UL;
        foreach (byte b in BitConverter.GetBytes(seed).Concat(Encoding.UTF8.GetBytes(patientId)))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        double u = (hash >> 11) / (double)(1UL << 53);
        return u < 0.7 ? DatasetSplit.Train : u < 0.9 ? DatasetSplit.Test : DatasetSplit.Validation;
    }

    // Reads the written tables back the way the reference does (EmbedManifestSource follows its choices) and counts the
    // images its structural captions leave out, and those whose clinical values come back different.
    private static (IReadOnlyDictionary<string, int> LeftOut, int Changed) ReadBack(string tables, List<ReferenceImage> images)
    {
        var leftOut = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Count(string why) => leftOut[why] = leftOut.GetValueOrDefault(why) + 1;
        var back = EmbedManifestSource.Build(CsvTable.Read(Path.Combine(tables, ReferenceLayout.AllMetadata)),
            CsvTable.Read(Path.Combine(tables, ReferenceLayout.Clinical)), CsvTable.Read(Path.Combine(tables, ReferenceLayout.Legend)),
            new EmbedReadOptions { ImageType = null }).Records;
        int changed = 0;
        for (int i = 0; i < images.Count; i++)
        {
            var read = back[i];
            if (read.ImageType != "2D") { Count("image type is not 2D"); continue; }
            if (read.Procedure is null) Count("no procedure");
            else if (read.Reason is null) Count("procedure names neither screening nor diagnostic");
            else if (read.Density is null) Count("no density");
            else if (read.BiRads is null) Count("no BI-RADS assessment");
            var own = images[i].Record;
            if (read.BiRads != own.BiRads || read.Density != own.Density || read.Age != own.Age || read.Race != own.Race
                || read.MassShape != own.MassShape || read.MassDensity != own.MassDensity
                || read.CalcificationType != own.CalcificationType || read.CalcificationDistribution != own.CalcificationDistribution)
                changed++;
        }
        return (leftOut, changed);
    }
}
