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

string? modelDir = ArgumentAfter("--model"), imageDir = ArgumentAfter("--images");
string work = Directory.CreateTempSubdirectory("mama-compare-").FullName;
try
{
    int imageSize = 518;
    if (args.Contains("--small") || modelDir is null || imageDir is null)
    {
        imageSize = 56;
        modelDir = TinyMaMAModel.Write(Path.Combine(work, "model"), imageSize: imageSize);
        imageDir = WriteDemoImages(Path.Combine(work, "images"));
    }
    var files = Directory.EnumerateDirectories(imageDir).Order()
        .SelectMany(folder => Directory.EnumerateFiles(folder).Order().Select(p => new LabelledImage { Path = p, Label = Path.GetFileName(folder) }))
        .ToList();

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

string? ArgumentAfter(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

// Two classes of 12 noisy images: "fatty" (mostly dark) and "dense" (mostly bright).
static string WriteDemoImages(string folder)
{
    var random = new Random(3);
    foreach (var (label, level) in new[] { ("fatty", 12000), ("dense", 42000) })
    {
        string classFolder = Directory.CreateDirectory(Path.Combine(folder, label)).FullName;
        for (int i = 0; i < 12; i++)
        {
            using var image = new Image<L16>(64, 80);
            for (int y = 0; y < 80; y++)
                for (int x = 0; x < 64; x++)
                    image[x, y] = new L16((ushort)(level + random.Next(16000)));
            image.SaveAsPng(Path.Combine(classFolder, $"{label}{i:00}.png"));
        }
    }
    return folder;
}

sealed class LabelledImage
{
    public string Path { get; set; } = "";
    public string Label { get; set; } = "";
}
