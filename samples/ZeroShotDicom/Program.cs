// ZeroShotDicom: a folder of DICOM mammograms -> header fields and zero-shot density, scored by ML.NET's evaluator.
// `dotnet run --project samples/ZeroShotDicom -- --small` writes three phantom studies as DICOM (plus one damaged
// file) and uses a tiny random model (seconds; the predictions mean nothing). With your data:
// `-- --model DIR --dicom FOLDER [--labels manifest.csv]` reads FOLDER's DICOM files (sub-folders too); labels (a
// manifest with a density column, such as the one `mama synth --format dicom` writes) are optional: without them
// the sample only predicts.
using MaMA.MLNet;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Samples;
using Microsoft.ML;
using Microsoft.ML.Data;

string? modelDir = SampleImages.ArgumentAfter(args, "--model"), dicomDir = SampleImages.ArgumentAfter(args, "--dicom");
string? labelsCsv = SampleImages.ArgumentAfter(args, "--labels");
string work = Directory.CreateTempSubdirectory("mama-zeroshot-dicom-").FullName;
try
{
    int imageSize = 518;
    if (args.Contains("--small") || modelDir is null || dicomDir is null)
    {
        imageSize = 56;
        modelDir = TinyMaMAModel.Write(Path.Combine(work, "model"), imageSize: imageSize);
        dicomDir = WritePhantomDicom(Path.Combine(work, "dicom"));
        labelsCsv = Path.Combine(dicomDir, "manifest.csv");
    }

    // Density labels by file where a manifest has them; "" means unlabelled.
    string[] classes = [.. ZeroShotPrompts.ClassNames(ZeroShotTask.Density)];
    var labels = labelsCsv is null ? new Dictionary<string, string>() : MammogramManifestReader.Read(labelsCsv).Records
        .Where(r => r.Density is not null).ToDictionary(r => Path.GetFullPath(r.ImagePath), r => classes[r.Density!.Value - 1]);

    // A header-only scan finds the DICOM files and their studies before any pixel is read.
    var scan = new DicomFolderManifestSource(dicomDir).Load();
    Console.WriteLine($"{scan.Records.Count} images of {scan.Records.Select(r => r.StudyId).Distinct().Count()} studies; {scan.Problems.Count} unreadable headers");
    foreach (var problem in scan.Problems) Console.WriteLine($"  {problem}");
    var files = scan.Records.Select(r => new DicomImage { Path = r.ImagePath, Label = labels.GetValueOrDefault(r.ImagePath, "") }).ToList();

    // Read each file (a damaged one gets a ReadError instead of stopping the run), score, keep the small columns.
    var ml = new MLContext(seed: 1);
    var data = ml.Data.LoadFromEnumerable(files);
    var loader = new LoadMammogramsOptions
    {
        BadFileHandling = BadFileHandling.MarkAndContinue,
        Preprocessing = new PreprocessingOptions { ImageSize = imageSize },
    };
    var pipeline = ml.Transforms.LoadMammograms("Image", "Path", loader)
        .Append(ml.MulticlassClassification.Trainers.MaMAZeroShot(modelDir, ZeroShotTask.Density, "Image"))
        .Append(ml.Transforms.DropColumns("Image"));
    var scored = ml.Data.Cache(pipeline.Fit(data).Transform(data)); // each file is read and scored once

    Console.WriteLine("file                      patient  side view  age  density P(A)  P(B)  P(C)  P(D)   label");
    foreach (var row in ml.Data.CreateEnumerable<ScoredImage>(scored, reuseRowObject: false))
    {
        string file = Path.GetRelativePath(dicomDir, row.Path);
        if (row.ReadError != "")
        {
            Console.WriteLine($"{file,-25} skipped: {row.ReadError}");
            continue;
        }
        Console.WriteLine($"{file,-25} {row.PatientId,-8} {row.Laterality,-4} {row.View,-4} {row.Age,3:F0}  {classes[row.PredictedLabel - 1],-7} " +
            $"{string.Join(" ", row.Score.Select(p => p.ToString("F3")))}  {row.Label}");
    }

    // ML.NET's multiclass evaluator on the readable, labelled images; the label is keyed in the zero-shot class order.
    var labelled = ml.Data.FilterByCustomPredicate<EvaluationRow>(scored, r => r.ReadError != "" || r.Label == "");
    if (labelled.GetColumn<string>("Label").Any())
    {
        var keyData = ml.Data.LoadFromEnumerable(classes.Select(c => new KeyRow { Label = c }));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyData: keyData).Fit(labelled).Transform(labelled);
        var metrics = ml.MulticlassClassification.Evaluate(keyed);
        Console.WriteLine($"\nmicro accuracy {metrics.MicroAccuracy:F3}, macro accuracy {metrics.MacroAccuracy:F3}, log-loss {metrics.LogLoss:F3}");
        Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());
    }
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

// Three phantom studies (L/R CC and MLO each) as digital mammography DICOM with a manifest, and a damaged file:
// the first half of one image, as an interrupted copy leaves it (its header is whole, its pixels are not).
static string WritePhantomDicom(string folder)
{
    var phantom = new PhantomGenerator(new PhantomOptions { Width = 96, Height = 120, Seed = 3 });
    var records = phantom.WriteDataset(folder, studyCount: 3, phantom.CreateDicomWriter());
    byte[] bytes = File.ReadAllBytes(records[0].ImagePath);
    File.WriteAllBytes(Path.Combine(folder, "images", "damaged.dcm"), bytes[..(bytes.Length / 2)]);
    return folder;
}

sealed class DicomImage
{
    public string Path { get; set; } = "";
    public string Label { get; set; } = "";
}

sealed class KeyRow
{
    public string Label { get; set; } = "";
}

sealed class EvaluationRow
{
    public string ReadError { get; set; } = "";
    public string Label { get; set; } = "";
}

sealed class ScoredImage
{
    public string Path { get; set; } = "";
    public string Label { get; set; } = "";
    public string ReadError { get; set; } = "";
    [ColumnName("Header.PatientId")] public string PatientId { get; set; } = "";
    [ColumnName("Header.Laterality")] public string Laterality { get; set; } = "";
    [ColumnName("Header.View")] public string View { get; set; } = "";
    [ColumnName("Header.PatientAge")] public float Age { get; set; }
    public float[] Score { get; set; } = [];
    public uint PredictedLabel { get; set; }
}
