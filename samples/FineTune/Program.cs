// FineTune: a MaMA classifier trained on labelled images (linear probe on the frozen encoder, or full fine-tuning),
// evaluated with ML.NET's multiclass evaluator, saved with SaveMaMA and loaded back.
// `dotnet run --project samples/FineTune -- --small [--full]` uses a tiny random model and generated "fatty" (dark)
// vs "dense" (bright) images (seconds); `-- --model DIR --images FOLDER` expects FOLDER/<class>/<image files>.
using MaMA.MLNet;
using MaMA.MLNet.Components;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Samples;
using Microsoft.ML;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

string? modelDir = ArgumentAfter("--model"), imageDir = ArgumentAfter("--images");
string work = Directory.CreateTempSubdirectory("mama-finetune-").FullName;
try
{
    int imageSize = 518;
    bool small = args.Contains("--small") || modelDir is null || imageDir is null;
    if (small)
    {
        imageSize = 56;
        modelDir = TinyMaMAModel.Write(Path.Combine(work, "model"), imageSize: imageSize);
        imageDir = WriteDemoImages(Path.Combine(work, "images"));
    }
    var files = Directory.EnumerateDirectories(imageDir!).Order()
        .SelectMany(folder => Directory.EnumerateFiles(folder).Order().Select(p => new LabelledImage { Path = p, Label = Path.GetFileName(folder) }))
        .ToList();

    var ml = new MLContext(seed: 1);
    var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(files), testFraction: 0.25, seed: 1);
    var options = new FineTuneOptions
    {
        ModelDirectory = modelDir!,
        Mode = args.Contains("--full") ? FineTuneMode.FullFineTune : FineTuneMode.LinearProbe,
        Steps = small ? 60 : 2000,
        TrainingBatchSize = small ? 8 : 16,
        // The tiny random model's features are small; the MaMA recipe's 5e-4 suits the real model.
        LearningRate = small ? 0.05 : 5e-4,
        ValidationFraction = small ? 0 : 0.1,
    };
    var loader = new LoadMammogramsOptions { Preprocessing = new PreprocessingOptions { ImageSize = imageSize } };
    var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.Transforms.LoadMammograms("Image", "Path", loader))
        .Append(ml.MulticlassClassification.Trainers.MaMAFineTune(options));
    var model = pipeline.Fit(split.TrainSet);
    var history = model.LastTransformer.History!;
    Console.WriteLine($"{options.Mode}: {history.StepsRun} steps, training loss {history.TrainingLoss[0]:F3} -> {history.TrainingLoss[^1]:F3}");

    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
    Console.WriteLine($"test: accuracy {metrics.MacroAccuracy:F3} (macro), log-loss {metrics.LogLoss:F3}");
    Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());

    string file = Path.Combine(work, "classifier.mama.zip");
    ml.Model.SaveMaMA(model, split.TrainSet.Schema, file);
    var loaded = new MLContext(seed: 2).Model.LoadMaMA(file);
    var again = ml.MulticlassClassification.Evaluate(loaded.Transform(split.TestSet));
    Console.WriteLine($"saved ({new FileInfo(file).Length / 1024} KiB) and loaded: accuracy {again.MacroAccuracy:F3}");
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

// Two classes of 16 noisy images: "fatty" (mostly dark) and "dense" (mostly bright).
static string WriteDemoImages(string folder)
{
    var random = new Random(3);
    foreach (var (label, level) in new[] { ("fatty", 12000), ("dense", 42000) })
    {
        string classFolder = Directory.CreateDirectory(Path.Combine(folder, label)).FullName;
        for (int i = 0; i < 16; i++)
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
