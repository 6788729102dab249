using System.Text.Json;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Samples;
using MaMA.MLNet.Tests.Components.Support;
using MaMA.MLNet.Training;
using MaMA.MLNet.Training.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Pretraining;

/// <summary>Pretraining continued from a model directory (<see cref="MaMAPretrainingOptions.InitialModelDirectory"/>).</summary>
[TestClass]
public sealed class PretrainFromInitialModelTests
{
    private const long Seed = 5;

    private static string WriteInitialModel(int seed)
    {
        string directory = PretrainingFixture.NewOutputFolder("initial");
        TorchRuntime.Seed(seed);
        using var model = new MaMAModel(TinyMaMAModel.Config(PretrainingFixture.ImageSize));
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.Contains(".lora_B.", StringComparison.Ordinal)) p.copy_(randn_like(p) * 0.05); // adapters that matter
        MaMAModelDirectory.Save(model, directory, PretrainingFixture.TokenizerDirectory);
        return directory;
    }

    private static MaMAPretrainingOptions Options(string initial) => new()
    {
        InitialModelDirectory = initial,
        OutputDirectory = PretrainingFixture.NewOutputFolder("from-initial"),
        Steps = 2,
        BatchSize = 4,
        WarmupSteps = 0,
        LateStartStep = 0, // every loss term from step 0
        CheckpointEvery = 0,
        PrefetchWorkers = 1,
        Seed = Seed,
    };

    private static Dictionary<string, double> FirstLoggedLosses(string log)
    {
        var first = File.ReadLines(log).Select(l => JsonDocument.Parse(l).RootElement).First(e => e.GetProperty("type").GetString() == "train");
        return first.GetProperty("losses").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    [TestMethod]
    public void StepZeroStartsFromExactlyTheWeightsOfTheInitialModel()
    {
        var records = PretrainingFixture.Records;
        string initial = WriteInitialModel(seed: 21);
        var options = Options(initial);
        var result = MaMAPretraining.Run(records, options);
        var logged = FirstLoggedLosses(result.LogPath);

        // A direct forward of the loaded model on the run's first batch, with the trainer's dropout seed.
        var loaded = MaMAModelDirectory.Load(initial);
        using var model = loaded.Model;
        var data = new MaMATrainingData(records, loaded.Tokenizer!, new MaMATrainingDataOptions
        {
            ImageSize = model.Config.Vision.ImageSize,
            MaskProbability = options.MaskProbability,
            SecondView = true,
            TextLength = model.Config.TextMaxLength,
        });
        var key = new EpochBatchOrder(records.Count, options.BatchSize, Seed).KeyAt(0);
        var prepared = data.Prepare(key, DeterministicRandom.ForBatch(Seed, key.Epoch, key.IndexInEpoch), CancellationToken.None);
        using var scope = NewDisposeScope();
        var batch = data.ToBatch(prepared, CPU, ScalarType.Float32);
        model.train();
        manual_seed(Seed);
        using var losses = model.ComputeLosses(batch, MaMALossSwitches.All);

        Assert.HasCount(losses.Terms.Count, logged);
        foreach (var (name, term) in losses.Terms)
            Assert.AreEqual(term.item<float>(), logged[name], 1e-5, $"loss term '{name}' at step 0");

        // The weights are what decides it: a run from another initial model logs another first loss.
        var other = MaMAPretraining.Run(records, Options(WriteInitialModel(seed: 22)));
        Assert.IsGreaterThan(1e-3, Math.Abs(FirstLoggedLosses(other.LogPath)[MaMALosses.ImageText] - logged[MaMALosses.ImageText]));

        // The saved model keeps the initial model's configuration and tokenizer.
        var saved = MaMAModelDirectory.Load(result.ModelDirectory);
        using var savedModel = saved.Model;
        Assert.AreEqual(model.Config.ToJson(), savedModel.Config.ToJson());
        Assert.AreEqual(loaded.Tokenizer!.VocabularySize, saved.Tokenizer!.VocabularySize);
    }

    [TestMethod]
    public void AnInitialModelWithAConfigIsRefused()
    {
        var options = Options(WriteInitialModel(seed: 23)) with { Config = TinyMaMAModel.Config() };
        var e = Assert.ThrowsExactly<ArgumentException>(options.Validate);
        StringAssert.Contains(e.Message, "InitialModelDirectory");
        var missing = Options(Path.Combine(PretrainingFixture.NewOutputFolder("missing"), "nowhere"));
        Assert.ThrowsExactly<MaMAModelFormatException>(missing.Validate);
    }
}
