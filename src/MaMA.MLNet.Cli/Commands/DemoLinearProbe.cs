using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling.MaMA;
using Microsoft.ML;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// The demo's linear probe: MapValueToKey -> LoadMammograms -> MaMAFineTune (linear probe on the frozen pooled feature)
/// for density, trained on the train split and scored on the held-out images with ML.NET's multiclass evaluator.
/// </summary>
internal static class DemoLinearProbe
{
    /// <summary>Held-out figures of the probe.</summary>
    /// <param name="Count">Held-out images with a density label.</param>
    /// <param name="BalancedAccuracy">ML.NET's macro accuracy (mean per-class recall).</param>
    /// <param name="LogLoss">ML.NET's log-loss.</param>
    /// <param name="Steps">Optimiser steps run.</param>
    internal sealed record Result(int Count, double BalancedAccuracy, double LogLoss, int Steps);

    private sealed class Row
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    /// <summary>Trains and scores the probe; null when either split has no density label (of a class the train split has).</summary>
    public static Result? Run(string modelDirectory, IReadOnlyList<MammogramRecord> train, IReadOnlyList<MammogramRecord> heldOut, int seed)
    {
        static List<Row> Rows(IEnumerable<MammogramRecord> records) => records
            .Where(r => r.Density is >= 1 and <= 4)
            .Select(r => new Row { Path = r.ImagePath, Label = ZeroShotPrompts.ClassNames(ZeroShotTask.Density)[r.Density!.Value - 1] })
            .ToList();
        var trainRows = Rows(train);
        // Held-out classes the head never saw have no key and would be dropped by the evaluator: leave them out here.
        var seen = trainRows.Select(r => r.Label).ToHashSet(StringComparer.Ordinal);
        var testRows = Rows(heldOut).Where(r => seen.Contains(r.Label)).ToList();
        if (trainRows.Count == 0 || testRows.Count == 0) return null;

        var ml = new MLContext(seed);
        int imageSize = MaMAConfig.FromJson(File.ReadAllText(Path.Combine(modelDirectory, MaMAModelDirectory.ConfigFile))).ImageSize;
        var loader = new LoadMammogramsOptions { Preprocessing = new PreprocessingOptions { ImageSize = imageSize } };
        var probe = new FineTuneOptions { ModelDirectory = modelDirectory, Mode = FineTuneMode.LinearProbe, Steps = 300, TrainingBatchSize = 32, LearningRate = 0.05, Seed = seed };
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadMammograms("Image", "Path", loader))
            .Append(ml.MulticlassClassification.Trainers.MaMAFineTune(probe));
        var model = pipeline.Fit(ml.Data.LoadFromEnumerable(trainRows));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(testRows)));
        return new Result(testRows.Count, metrics.MacroAccuracy, metrics.LogLoss, model.LastTransformer.History!.StepsRun);
    }
}
