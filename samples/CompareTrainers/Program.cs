// CompareTrainers: MaMA image embeddings as features for ML.NET's multiclass trainers, ranked by cross-validated
// balanced accuracy (TrainerComparison). `dotnet run --project samples/CompareTrainers -- --small` uses a tiny random
// model and generated "fatty" (dark) vs "dense" (bright) images (seconds; the ranking shows the mechanics, not
// MaMA's quality); `-- --model DIR --images FOLDER` expects FOLDER/<class>/<image files>.
using MaMA.MLNet;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Samples;
using Microsoft.ML;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

string? modelDir = SampleImages.ArgumentAfter(args, "--model"), imageDir = SampleImages.ArgumentAfter(args, "--images");
string work = Directory.CreateTempSubdirectory("mama-compare-").FullName;
try
{
    int imageSize = 518;
    if (args.Contains("--small") || modelDir is null || imageDir is null)
    {
        imageSize = 56;
        modelDir = TinyMaMAModel.Write(Path.Combine(work, "model"), imageSize: imageSize);
        imageDir = SampleImages.WriteTwoClasses(Path.Combine(work, "images"), perClass: 12);
    }
    var files = SampleImages.ReadLabelledFolders(imageDir);

    var ml = new MLContext(seed: 1);
    var data = ml.Data.LoadFromEnumerable(files);
    var loader = new LoadMammogramsOptions { Preprocessing = new PreprocessingOptions { ImageSize = imageSize } };
    var embed = ml.Transforms.LoadMammograms("Image", "Path", loader)
        .Append(ml.Transforms.MaMAImageEmbedding(modelDir, "Embedding", "Image"));
    // Embed once; every trainer and fold then reads the cached embeddings instead of running the model again.
    var withEmbeddings = embed.Fit(data).Transform(data);
    var embedded = ml.Data.Cache(ml.Transforms.SelectColumns("Label", "Embedding").Fit(withEmbeddings).Transform(withEmbeddings));

    Console.WriteLine($"{files.Count} images, {files.Select(f => f.Label).Distinct().Count()} classes; 3-fold cross-validation");
    var results = TrainerComparison.Run(ml, embedded, "Label", "Embedding", folds: 3,
        progress: new Progress<TrainerComparisonResult>(r => Console.Error.WriteLine($"  done: {r.Trainer}")));
    Console.WriteLine("rank  trainer               balanced acc.     macro AUC         time");
    for (int i = 0; i < results.Count; i++)
    {
        var r = results[i];
        Console.WriteLine($"{i + 1,4}  {r.Trainer,-20}  {r.BalancedAccuracy:F3} ± {r.BalancedAccuracyStdDev:F3}   {r.MacroAuc:F3} ± {r.MacroAucStdDev:F3}   {r.TrainingTime.TotalSeconds:F1} s");
    }
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}
