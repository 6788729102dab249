using System.Globalization;
using MaMA.MLNet.Logging;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Components;

/// <summary>
/// The fine-tuning loop: a zero-initialised linear head on the pooled ViT feature, cross-entropy, SGD with momentum
/// and weight decay, cosine schedule with warm-up, class-balanced batches, optional validation with early stopping
/// (the weights of the best validation loss are kept). In linear-probe mode the frozen features are computed once.
/// </summary>
internal sealed class FineTuneTraining
{
    private readonly FineTuneOptions _options;
    private readonly MaMAModelHandle _model;
    private readonly IReadOnlyList<float[]> _images;
    private readonly int[] _labels;
    private readonly int _classCount;
    private readonly int _side;
    private readonly ComponentLog? _log;

    // Progress lines after the first step, every this many steps and the last.
    private const int LogEvery = 10;

    public FineTuneTraining(FineTuneOptions options, MaMAModelHandle model, IReadOnlyList<float[]> images, int[] labels, int classCount, int side, ComponentLog? log = null)
    {
        (_options, _model, _images, _labels, _classCount, _side, _log) = (options, model, images, labels, classCount, side, log);
    }

    private void Log(FormattableString line) => _log?.Info(line.ToString(CultureInfo.InvariantCulture));

    /// <summary>Trains and returns the head (the model's backbone is updated in place in full mode) and the history.</summary>
    public (float[] Weight, float[] Bias, FineTuneHistory History) Run()
    {
        var (train, validation) = Split();
        int featureSize = (int)_model.Config.ImageFeatureWidth;
        bool full = _options.Mode == FineTuneMode.FullFineTune;
        var encoder = _model.Model.ImageEncoder;
        var backbone = encoder.BackboneModule;

        using var outer = NewDisposeScope();
        // A zero head: deterministic, and the probe's objective is convex so the start does not matter.
        var weight = new Parameter(zeros(_classCount, featureSize, device: _model.Device));
        var bias = new Parameter(zeros(_classCount, device: _model.Device));
        var parameters = new List<Parameter> { weight, bias };
        if (full) parameters.AddRange(backbone.parameters().Where(p => p.requires_grad));
        // Frozen features once for the probe: the encoder never changes, so every step reuses them.
        Tensor? cached = full ? null : PooledFeatures(Enumerable.Range(0, _images.Count).ToArray());
        // The probe learns on standardised features (mean and std of the training rows) and the scaling is folded into
        // the returned head, so it still applies to raw pooled features. A from-scratch encoder's features share a large
        // offset and vary by ~1e-3; SGD on them raw learns nothing but the bias.
        Tensor? mean = null, std = null;
        if (cached is not null && _options.StandardizeFeatures)
        {
            var rows = cached.index_select(0, tensor(train.Select(i => (long)i).ToArray(), device: _model.Device));
            mean = rows.mean([0]).MoveToOuterDisposeScope();
            std = (train.Length > 1 ? rows.std(0) : ones_like(mean)).AtLeast(1e-8).MoveToOuterDisposeScope();
            cached = ((cached - mean) / std).MoveToOuterDisposeScope();
        }

        var optimizer = optim.SGD(parameters, _options.LearningRate,
            momentum: _options.Momentum, weight_decay: _options.WeightDecay);
        var schedule = new CosineWarmupSchedule(_options.LearningRate, _options.MinLearningRate, _options.WarmupSteps, _options.Steps);
        var sampler = new FineTuneBalancedSampler(train.Select(i => _labels[i]).ToArray(), _options.ClassBalancedSampling, _options.Seed);

        _log?.Info(string.Create(CultureInfo.InvariantCulture,
            $"MaMA fine-tune ({_options.Mode}): {train.Length} training and {validation.Length} validation rows, {_classCount} classes, up to {_options.Steps} steps of {_options.TrainingBatchSize}"));
        var losses = new List<double>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double best = double.PositiveInfinity;
        int bestStep = 0, sinceBest = 0, step = 0;
        bool stopped = false;
        List<Tensor>? bestState = null;
        try
        {
            for (; step < _options.Steps && !stopped; step++)
            {
                foreach (var group in optimizer.ParamGroups) group.LearningRate = schedule.LearningRateAt(step);
                var rows = sampler.NextBatch(_options.TrainingBatchSize).Select(i => train[i]).ToArray();
                using (var scope = NewDisposeScope())
                {
                    if (full) backbone.train();
                    var features = full ? encoder.Encode(Pixels(rows)).PooledFeature : cached!.index_select(0, tensor(rows.Select(r => (long)r).ToArray(), device: _model.Device));
                    var loss = F.cross_entropy(features.matmul(weight.t()).Plus(bias), Targets(rows));
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    losses.Add(loss.item<float>());
                }
                if (_options.Progress is { } progress)
                {
                    double seconds = clock.Elapsed.TotalSeconds;
                    progress.Report(new TrainingProgress(step + 1, _options.Steps,
                        new Dictionary<string, double> { ["cross_entropy"] = losses[^1] }, losses[^1], schedule.LearningRateAt(step),
                        seconds > 0 ? (step + 1.0) * _options.TrainingBatchSize / seconds : 0, clock.Elapsed,
                        TimeSpan.FromSeconds(seconds / (step + 1) * (_options.Steps - step - 1))));
                }
                if (step == 0 || (step + 1) % LogEvery == 0 || step + 1 == _options.Steps)
                    Log($"step {step + 1}/{_options.Steps}: loss {losses[^1]:F4}, lr {schedule.LearningRateAt(step):0.00e+00}");
                if (validation.Length > 0 && ((step + 1) % _options.ValidationInterval == 0 || step + 1 == _options.Steps))
                {
                    double value = ValidationLoss(validation, weight, bias, cached, full);
                    Log($"step {step + 1}: validation loss {value:F4}{(double.IsFinite(best) ? $" (best so far {best:F4} at step {bestStep})" : "")}");
                    if (value < best)
                    {
                        (best, bestStep, sinceBest) = (value, step + 1, 0);
                        foreach (var t in bestState ?? []) t.Dispose();
                        bestState = parameters.Select(p => p.detach().clone().MoveToOuterDisposeScope()).ToList();
                    }
                    else if (++sinceBest >= _options.Patience)
                    {
                        stopped = true;
                        Log($"stopped early after step {step + 1}: no lower validation loss in {_options.Patience} checks; keeping step {bestStep}");
                    }
                }
            }
            if (bestState is not null)
                using (no_grad())
                    for (int i = 0; i < parameters.Count; i++) parameters[i].copy_(bestState[i]);
            if (validation.Length == 0) bestStep = step;
        }
        finally
        {
            backbone.eval();
            _model.Model.eval();
            foreach (var t in bestState ?? []) t.Dispose();
            optimizer.Dispose();
        }
        Log($"MaMA fine-tune done: {step} steps, kept the weights of step {bestStep}");
        var history = new FineTuneHistory(step, stopped, bestStep, validation.Length > 0 ? best : null, losses);
        if (mean is null || std is null) return (ToArray(weight), ToArray(bias), history);
        using (no_grad())
        {
            var rawWeight = weight / std;
            return (ToArray(rawWeight), ToArray(bias - rawWeight.matmul(mean)), history);
        }
    }

    private static float[] ToArray(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    // A seeded shuffle; the validation part is the first round(fraction x N) rows of it, at least one if asked for.
    private (int[] Train, int[] Validation) Split()
    {
        var order = Enumerable.Range(0, _images.Count).ToArray();
        new Random(_options.Seed ^ 0x5EED).Shuffle(order);
        int count = _options.ValidationFraction > 0 ? Math.Max(1, (int)Math.Round(_options.ValidationFraction * order.Length)) : 0;
        if (count >= order.Length) throw new ArgumentException($"a validation fraction of {_options.ValidationFraction} leaves no training rows out of {order.Length}");
        return (order[count..], order[..count]);
    }

    private Tensor Pixels(int[] rows)
    {
        int per = 3 * _side * _side;
        var values = new float[rows.Length * per];
        for (int i = 0; i < rows.Length; i++) _images[rows[i]].CopyTo(values, i * per);
        return _model.ToDevice(values, [rows.Length, 3, _side, _side]);
    }

    private Tensor Targets(int[] rows) => tensor(rows.Select(r => (long)_labels[r]).ToArray(), device: _model.Device);

    // Pooled features of the rows in eval mode, without gradients, a batch at a time.
    private Tensor PooledFeatures(int[] rows)
    {
        using var scope = NewDisposeScope();
        _model.Model.eval();
        var parts = rows.Chunk(_options.BatchSize).Select(chunk => _model.Model.EncodeImages(Pixels(chunk)).PooledFeature).ToList();
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    private double ValidationLoss(int[] rows, Tensor weight, Tensor bias, Tensor? cached, bool full)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var features = full ? PooledFeatures(rows) : cached!.index_select(0, tensor(rows.Select(r => (long)r).ToArray(), device: _model.Device));
        return F.cross_entropy(features.matmul(weight.t()).Plus(bias), Targets(rows)).item<float>();
    }
}
