using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>One generated study: its description and its four images (L-CC, L-MLO, R-CC, R-MLO).</summary>
/// <param name="Study">The study.</param>
/// <param name="Images">The images in the order L-CC, L-MLO, R-CC, R-MLO.</param>
public sealed record PhantomStudyImages(PhantomStudy Study, IReadOnlyList<PhantomImage> Images);

/// <summary>
/// The synthetic mammography data set: studies of four images each, deterministic by seed (study i depends
/// only on the seed and i, so any subset can be regenerated), written as image files plus a manifest.
/// </summary>
public sealed class PhantomGenerator(PhantomOptions? options = null)
{
    /// <summary>The settings.</summary>
    public PhantomOptions Options { get; } = Validated(options ?? new PhantomOptions());

    /// <summary>The sides in the order images are produced.</summary>
    public static IReadOnlyList<Laterality> Sides { get; } = [Laterality.Left, Laterality.Right];

    /// <summary>Describes and renders study <paramref name="index"/>.</summary>
    public PhantomStudyImages Generate(int index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "Must be non-negative.");
        PhantomStudy study = PhantomStudySampler.Sample(index, Options);
        var images = new List<PhantomImage>(4);
        foreach (Laterality side in Sides)
            foreach (string view in PhantomStudy.Views)
                images.Add(PhantomRenderer.Render(study, side, view, Options));
        return new PhantomStudyImages(study, images);
    }

    /// <summary>
    /// Generates <paramref name="studyCount"/> studies into <paramref name="folder"/>: images under
    /// <c>images/{study}/{L|R}_{CC|MLO}{ext}</c> and <c>manifest.csv</c>. Returns the records in manifest order.
    /// </summary>
    /// <param name="folder">Output folder.</param>
    /// <param name="studyCount">Studies to write.</param>
    /// <param name="writer">Image format (default PNG).</param>
    /// <param name="studiesWritten">Told the number of studies written so far after each one, from worker threads.</param>
    public IReadOnlyList<MammogramRecord> WriteDataset(string folder, int studyCount, IMammogramImageWriter? writer = null, IProgress<int>? studiesWritten = null)
    {
        if (studyCount < 0) throw new ArgumentOutOfRangeException(nameof(studyCount), studyCount, "Must be non-negative.");
        writer ??= new PngMammogramImageWriter();
        string root = Path.GetFullPath(folder);
        Directory.CreateDirectory(root);
        var perStudy = new MammogramRecord[studyCount][];
        int written = 0;
        Parallel.For(0, studyCount, i =>
        {
            PhantomStudyImages generated = Generate(i);
            var records = new MammogramRecord[generated.Images.Count];
            for (int k = 0; k < records.Length; k++)
            {
                PhantomImage image = generated.Images[k];
                string file = Path.Combine(root, "images", generated.Study.StudyId, $"{ManifestValues.Format(image.Side)}_{image.View}{writer.Extension}");
                records[k] = generated.Study.Record(image.Side, image.View, file);
                writer.Write(file, image.Frame, records[k]);
            }
            perStudy[i] = records;
            studiesWritten?.Report(Interlocked.Increment(ref written));
        });
        var all = perStudy.SelectMany(r => r).ToList();
        MammogramManifestWriter.Write(Path.Combine(root, "manifest.csv"), all);
        return all;
    }

    /// <summary>A DICOM writer whose UIDs and dates follow this generator's seed.</summary>
    public DicomMammogramImageWriter CreateDicomWriter(DicomWriterCompression compression = DicomWriterCompression.None) =>
        new(new DicomImageWriterOptions { Seed = Options.Seed, Compression = compression });

    private static PhantomOptions Validated(PhantomOptions options)
    {
        options.Validate();
        return options;
    }
}
