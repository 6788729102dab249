using MaMA.MLNet.Components;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class FineTuneLogTests
{
    private sealed class KeyRow
    {
        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void FitWritesStepValidationAndEndLinesToMLContextLog()
    {
        var ml = new MLContext(seed: 1);
        var lines = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Info && e.Source.Contains("MaMAFineTune")) lock (lines) lines.Add(e.RawMessage); };
        var images = ComponentFixture.LoadImages(ml);
        var keys = ml.Data.LoadFromEnumerable(new[] { "A", "B", "C", "D" }.Select(l => new KeyRow { Label = l }));
        var options = new FineTuneOptions
        {
            ModelDirectory = ComponentFixture.ModelDirectory, Steps = 12, WarmupSteps = 1, TrainingBatchSize = 4,
            ValidationFraction = 0.25, ValidationInterval = 5, Patience = 10, Seed = 1,
        };
        ml.Transforms.Conversion.MapValueToKey("Label", keyData: keys).Append(ml.MulticlassClassification.Trainers.MaMAFineTune(options)).Fit(images);

        string all = string.Join("\n", lines);
        StringAssert.StartsWith(lines[0], "MaMA fine-tune (LinearProbe): 9 training and 3 validation rows, 4 classes, up to 12 steps of 4");
        var steps = lines.Where(l => l.StartsWith("step ", StringComparison.Ordinal) && l.Contains("/12: loss ")).ToList();
        CollectionAssert.AreEqual(new[] { "step 1/12", "step 10/12", "step 12/12" }, steps.Select(l => l[..l.IndexOf(':')]).ToArray(), all);
        // Validation after steps 5, 10 and the last.
        Assert.HasCount(3, lines.Where(l => l.Contains(": validation loss ")).ToList(), all);
        StringAssert.StartsWith(lines[^1], "MaMA fine-tune done: 12 steps");
    }
}
