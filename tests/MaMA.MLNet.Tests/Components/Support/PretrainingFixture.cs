using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Samples;
using Microsoft.ML;

namespace MaMA.MLNet.Tests.Components.Support;

/// <summary>Eight phantom images (two studies of four views) as data-view rows, and the tiny byte-tokenizer model setup to pretrain on them.</summary>
internal static class PretrainingFixture
{
    public const int ImageSize = 56;
    private static readonly Lazy<(string Root, string Tokenizer, IReadOnlyList<MammogramRecord> Records)> State = new(Create);

    /// <summary>One image as the estimator reads it: metadata as text, density and age as numbers.</summary>
    public sealed class Row
    {
        public string Path { get; set; } = "";
        public string StudyId { get; set; } = "";
        public string PatientId { get; set; } = "";
        public string Laterality { get; set; } = "";
        public string View { get; set; } = "";
        public string ImageType { get; set; } = "";
        public string Procedure { get; set; } = "";
        public string Reason { get; set; } = "";
        public float Age { get; set; }
        public string Race { get; set; } = "";
        public string Ethnicity { get; set; } = "";
        public float Density { get; set; }
        public string BiRads { get; set; } = "";
        public string MassShape { get; set; } = "";
        public string MassDensity { get; set; } = "";
        public string CalcificationType { get; set; } = "";
        public string CalcificationDistribution { get; set; } = "";
        public string Caption { get; set; } = "";
    }

    public static IReadOnlyList<MammogramRecord> Records => State.Value.Records;

    /// <summary>The byte-level tokenizer folder the fixture's tiny config fits.</summary>
    public static string TokenizerDirectory => State.Value.Tokenizer;

    public static string NewOutputFolder(string name) => Path.Combine(State.Value.Root, name + Guid.NewGuid().ToString("N")[..8]);

    public static PreprocessingOptions Preprocessing => new() { ImageSize = ImageSize };

    public static List<Row> Rows => Records.Select((r, i) => new Row
    {
        Path = r.ImagePath, StudyId = r.StudyId, PatientId = r.PatientId,
        Laterality = r.Laterality is { } l ? ManifestValues.Format(l) : "", View = r.View ?? "", ImageType = r.ImageType ?? "",
        Procedure = r.Procedure ?? "", Reason = r.Reason is { } reason ? ManifestValues.Format(reason) : "",
        Age = r.Age ?? float.NaN, Race = r.Race ?? "", Ethnicity = r.Ethnicity ?? "", Density = r.Density ?? float.NaN,
        // BI-RADS as text, and as the EMBED letter on odd rows, so both spellings are read.
        BiRads = r.BiRads is { } b ? (i % 2 == 0 ? b.ToString(System.Globalization.CultureInfo.InvariantCulture) : ManifestValues.BiRadsLetter(b).ToString()) : "",
        MassShape = r.MassShape ?? "", MassDensity = r.MassDensity ?? "", CalcificationType = r.CalcificationType ?? "",
        CalcificationDistribution = r.CalcificationDistribution ?? "", Caption = $"Free caption {i}. Image of study {r.StudyId}.",
    }).ToList();

    /// <summary>The rows plus the model-ready Image column at the model's size.</summary>
    public static IDataView LoadImages(MLContext ml, int imageSize = ImageSize)
    {
        var rows = ml.Data.LoadFromEnumerable(Rows);
        var loader = new LoadMammogramsOptions { Preprocessing = new PreprocessingOptions { ImageSize = imageSize } };
        return ml.Transforms.LoadMammograms("Image", "Path", loader).Fit(rows).Transform(rows);
    }

    /// <summary>A short run of the tiny preset (byte tokenizer) at 56 px: metadata columns named, batch 4.</summary>
    public static MaMA.MLNet.Components.MaMAPretrainingEstimator.Options Options(string output, long steps) => new()
    {
        OutputDirectory = output,
        Config = TinyMaMAModel.Config(ImageSize),
        TokenizerDirectory = State.Value.Tokenizer,
        Steps = steps,
        TrainingBatchSize = 4,
        LearningRate = 1e-3,
        PrefetchWorkers = 1,
        CheckpointEvery = 0,
        PatientIdColumnName = "PatientId",
        Metadata = new MaMA.MLNet.Components.CaptionMetadataColumns
        {
            Laterality = "Laterality", View = "View", ImageType = "ImageType", Procedure = "Procedure", Reason = "Reason",
            Age = "Age", Race = "Race", Ethnicity = "Ethnicity", Density = "Density", BiRads = "BiRads", MassShape = "MassShape",
            MassDensity = "MassDensity", CalcificationType = "CalcificationType", CalcificationDistribution = "CalcificationDistribution",
        },
    };

    private static (string, string, IReadOnlyList<MammogramRecord>) Create()
    {
        string root = Directory.CreateTempSubdirectory("mama-pretraining-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(root, recursive: true); } catch (IOException) { } };
        var records = new PhantomGenerator(new PhantomOptions { Width = 64, Height = 80, Seed = 3 }).WriteDataset(Path.Combine(root, "data"), 2);
        string tokenizer = Path.Combine(root, "tokenizer");
        TinyMaMAModel.WriteByteTokenizer(tokenizer);
        return (root, tokenizer, records);
    }
}
