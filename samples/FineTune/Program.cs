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

string? modelDir = SampleImages.ArgumentAfter(args, "--model"), imageDir = SampleImages.ArgumentAfter(args, "--images");
string work = Directory.CreateTempSubdirectory("mama-finetune-").FullName;
try
{
    int imageSize = 518;
    bool small = args.Contains("--small") || modelDir is null || imageDir is null;
    if (small)
    {
        imageSize = 56;
        modelDir = TinyMaMAModel.Write(Path.Combine(work, "model"), imageSize: imageSize);
        imageDir = SampleImages.WriteTwoClasses(Path.Combine(work, "images"), perClass: 16);
    }
    var files = SampleImages.ReadLabelledFolders(imageDir!);

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
