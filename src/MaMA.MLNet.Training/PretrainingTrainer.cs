using System.Text.Json;
using System.Text.Json.Serialization;
using MaMA.MLNet.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training;

/// <summary>
/// The pretraining loop, independent of the model: AdamW with a cosine warm-up schedule, gradient accumulation and
/// clipping, parameter groups frozen until a step, clamped learnable scales, a JSON-lines log, periodic validation,
/// atomic checkpoints, and exact resume (on CPU the resumed run's weights are bit-identical to an uninterrupted one).
/// </summary>
/// <remarks>
/// One optimiser step: set the learning rate of the step and unfreeze the groups whose step has come; for each of
/// the <see cref="TrainerOptions.AccumulationSteps"/> micro-batches take the next prepared batch from the prefetch
/// queue, make its tensors, compute the loss terms, check them for NaN/infinity and back-propagate their sum divided
/// by the number of micro-batches (so a mean loss over k micro-batches of n matches one batch of k*n); then measure
/// (and optionally clip) the global gradient norm, check it, apply AdamW, clamp the scales, log, validate and
/// checkpoint as due. Each step runs in its own dispose scope.
/// </remarks>
/// <typeparam name="TPrepared">A micro-batch prepared on a worker (plain .NET data).</typeparam>
/// <typeparam name="TBatch">The tensor batch the objective consumes.</typeparam>
public sealed class PretrainingTrainer<TPrepared, TBatch>
{
    private static readonly JsonSerializerOptions SidecarJson = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly IPretrainingObjective<TBatch> _objective;
    private readonly ITrainingData<TPrepared, TBatch> _data;
    private readonly TrainerOptions _options;
    private readonly ValidationCallback? _validate;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly CosineWarmupSchedule _schedule;
    private readonly CheckpointStore? _store;
    private bool _started;

    // Set up by Run.
    private Device _device = CPU;
    private List<(string Name, Parameter Parameter)> _trained = [];
    private List<(FrozenParameters Group, List<Parameter> Parameters)> _frozenGroups = [];
    private List<(LearnableScale Scale, Parameter Parameter)> _scales = [];
    private List<string> _notSaved = [];
    private List<OptimizerGroupState> _groupLayout = [];
    private List<double> _groupScales = []; // learning-rate multiple of each optimiser group, in the optimiser's order
    private AdamW? _optimizer;
    private long _step;
    private long _nextMicroBatch;
    private double _elapsedBefore;
    private double? _recentStepSeconds; // moving average of training-step seconds (validation and checkpoints excluded)
    private bool _followingTimeBudget;
    private double? _bestValue;
    private long? _bestStep;
    private long _lastCheckpointStep = -1;
    private string? _lastCheckpoint;
    private StepRecord? _lastRecord;
    private IReadOnlyDictionary<string, double>? _lastValidation;
    private readonly TimeProvider _time;
    private IReadOnlyList<string> _skippedCheckpoints = [];
    private long _runStart; // timestamp of the time provider when this run's loop started

    /// <summary>Creates a trainer; nothing runs until <see cref="Run"/>.</summary>
    /// <param name="objective">The model and its losses.</param>
    /// <param name="data">The data: preparation on workers, tensors on the training thread.</param>
    /// <param name="options">Settings; checked here.</param>
    /// <param name="validate">Called every <see cref="TrainerOptions.ValidateEvery"/> steps; may be null.</param>
    /// <param name="progress">Receives a report after every step, on the training thread; may be null.</param>
    /// <param name="timeProvider">
    /// The clock of the time budget, step times and progress estimates (default <see cref="TimeProvider.System"/>);
    /// tests pass a fake one so that nothing depends on the machine's speed.
    /// </param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public PretrainingTrainer(
        IPretrainingObjective<TBatch> objective,
        ITrainingData<TPrepared, TBatch> data,
        TrainerOptions options,
        ValidationCallback? validate = null,
        IProgress<TrainingProgress>? progress = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.ValidateEvery > 0 && validate is null)
            throw new ArgumentException("ValidateEvery is set but no validation callback was given.", nameof(validate));
        _objective = objective;
        _data = data;
        _options = options;
        _validate = validate;
        _progress = progress;
        _time = timeProvider ?? TimeProvider.System;
        _schedule = new CosineWarmupSchedule(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.TotalSteps);
        _store = options.CheckpointDirectory is null ? null : new CheckpointStore(options.CheckpointDirectory, options.KeepLastCheckpoints);
    }

    /// <summary>The learning-rate schedule of the run.</summary>
    public CosineWarmupSchedule Schedule => _schedule;

    /// <summary>
    /// Trains from the start, or from a checkpoint, until <see cref="TrainerOptions.TotalSteps"/>, cancellation or the
    /// time budget. Call once per trainer; a resumed run needs a fresh trainer and objective.
    /// </summary>
    /// <param name="resumeFrom">A checkpoint file, a checkpoint folder (its newest checkpoint), or null to start fresh.</param>
    /// <param name="cancellationToken">Stops training after the current step with a checkpoint.</param>
    /// <exception cref="TrainingDivergedException">A loss term or the gradient norm became NaN or infinite.</exception>
    /// <exception cref="BatchPreparationException">Preparing a micro-batch failed.</exception>
    /// <exception cref="CheckpointFormatException">The checkpoint to resume from cannot be read or does not fit.</exception>
    /// <exception cref="NotSupportedException">bfloat16 was asked for on a CPU device.</exception>
    public TrainingResult Run(string? resumeFrom = null, CancellationToken cancellationToken = default)
    {
        if (_started) throw new InvalidOperationException("A trainer runs once; create a new one to resume.");
        _started = true;

        Prepare();
        try
        {
            if (resumeFrom is null) StartFresh();
            else Resume(resumeFrom);
            return Loop(cancellationToken);
        }
        finally
        {
            _optimizer?.Dispose();
            _optimizer = null;
        }
    }

    // Time since this run's loop started, on the injected clock.
    private TimeSpan RunTime => _time.GetElapsedTime(_runStart);

    private ScalarType FloatType => _options.Precision == TrainingPrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;

    private void Prepare()
    {
        _device = TorchRuntime.ResolveDevice(_options.Device);
        if (_options.Precision == TrainingPrecision.BFloat16 && _device.type != DeviceType.CUDA)
            throw new NotSupportedException(
                $"bfloat16 training was asked for on device '{_device}'. TorchSharp 0.107 has no autocast, so bfloat16 " +
                "here means bfloat16 weights and activations, which is enabled for CUDA devices only; use Float32 on CPU.");

        var module = _objective.Module;
        // Moving replaces parameter objects, so it happens before anything holds on to them.
        module.to(_device);
        if (_options.Precision == TrainingPrecision.BFloat16) module.to(ScalarType.BFloat16);

        var named = module.named_parameters().Select(p => (Name: p.name, Parameter: p.parameter)).ToList();
        var byName = named.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);

        _frozenGroups = [];
        var late = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in _objective.FrozenUntil)
        {
            var members = new List<Parameter>();
            foreach (string prefix in group.ParameterPrefixes)
            {
                var matched = named.Where(p => FrozenParameters.Matches(prefix, p.Name)).ToList();
                if (matched.Count == 0)
                    throw new ArgumentException(
                        $"Frozen parameter group '{group.Name}': no parameter of the model is named '{prefix}' or starts with '{prefix}.'.");
                foreach (var (name, p) in matched)
                    if (late.Add(name)) members.Add(p);
            }
            _frozenGroups.Add((group, members));
        }

        _scales = [];
        foreach (var scale in _objective.Scales)
        {
            if (!byName.TryGetValue(scale.ParameterName, out var p))
                throw new ArgumentException($"Learnable scale '{scale.Name}': the model has no parameter '{scale.ParameterName}'.");
            if (p.numel() != 1)
                throw new ArgumentException($"Learnable scale '{scale.Name}': parameter '{scale.ParameterName}' has {p.numel()} elements, not 1.");
            _scales.Add((scale, p));
        }

        // Parameters frozen from the start and never unfrozen (a frozen LLM) stay out of the optimiser.
        _trained = named.Where(p => p.Parameter.requires_grad || late.Contains(p.Name)).ToList();
        var trainedNames = _trained.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        _notSaved = _options.CheckpointFrozenParameters ? [] : named.Select(p => p.Name).Where(n => !trainedNames.Contains(n)).ToList();
        if (_trained.Count == 0) throw new ArgumentException("The model has no parameter to train.");
    }

    private void CreateOptimizer()
    {
        var o = _options;
        // Parameters of a LearningRateScale group form their own decay / no-decay pair after the default pair, so a run
        // without scales keeps the two-group layout of its checkpoints.
        var byGroup = new List<(string Prefix, double Scale, List<(string Name, Parameter Parameter)> Members)> { ("", 1.0, []) };
        foreach (var scaled in o.LearningRateScales) byGroup.Add((scaled.Name + ".", scaled.Scale, []));
        var matched = new bool[o.LearningRateScales.Count];
        foreach (var (name, p) in _trained)
        {
            int owner = 0;
            for (int i = 0; i < o.LearningRateScales.Count; i++)
            {
                if (!o.LearningRateScales[i].Contains(name)) continue;
                if (owner != 0)
                    throw new ArgumentException(
                        $"Parameter '{name}' is in learning-rate groups '{o.LearningRateScales[owner - 1].Name}' and '{o.LearningRateScales[i].Name}'; it may be in one only.");
                owner = i + 1;
                matched[i] = true;
            }
            byGroup[owner].Members.Add((name, p));
        }
        for (int i = 0; i < matched.Length; i++)
            if (!matched[i])
                throw new ArgumentException(
                    $"Learning-rate group '{o.LearningRateScales[i].Name}': no trained parameter is named '{string.Join("', '", o.LearningRateScales[i].ParameterPrefixes)}' or starts with it and a dot.");

        _groupLayout = [];
        _groupScales = [];
        var groups = new List<AdamW.ParamGroup>();
        foreach (var (prefix, scale, members) in byGroup)
        {
            var (decay, noDecay) = WeightDecayRule.Split(o.WeightDecayMode, members);
            _groupLayout.Add(new(prefix + "decay", o.WeightDecay, decay.Select(p => p.Name).ToList()));
            _groupLayout.Add(new(prefix + "no_decay", 0.0, noDecay.Select(p => p.Name).ToList()));
            groups.Add(new(decay.Select(p => p.Parameter), o.LearningRate * scale, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay));
            groups.Add(new(noDecay.Select(p => p.Parameter), o.LearningRate * scale, o.Beta1, o.Beta2, o.Epsilon, 0.0));
            _groupScales.Add(scale);
            _groupScales.Add(scale);
        }
        _optimizer = optim.AdamW(groups, o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay);
    }

    /// <summary>
    /// The optimiser's parameter groups as the trainer built them: name (<c>decay</c>, <c>no_decay</c>, then
    /// <c>{group}.decay</c> and <c>{group}.no_decay</c> per <see cref="TrainerOptions.LearningRateScales"/> entry), the
    /// learning rate each has now, its weight decay and its parameter names. Empty before <see cref="Run"/> and after it.
    /// </summary>
    public IReadOnlyList<(string Name, double LearningRate, double WeightDecay, IReadOnlyList<string> Parameters)> OptimizerGroups =>
        _optimizer is null ? [] : _optimizer.ParamGroups.Select((g, i) =>
            (_groupLayout[i].Name, g.LearningRate, _groupLayout[i].WeightDecay, _groupLayout[i].Parameters)).ToList();

    private void StartFresh()
    {
        CreateOptimizer();
        // Seeding here makes dropout independent of whatever drew random numbers before (model initialisation).
        torch.manual_seed(_options.Seed);
        _step = 0;
        _nextMicroBatch = 0;
    }

    // A folder resumes from its newest intact checkpoint: damaged newer ones (a write cut short by a crash, changed
    // bytes) are passed over and named in the result; a file named directly must be intact.
    private string IntactCheckpointIn(string folder)
    {
        var store = new CheckpointStore(folder, 1);
        store.RemoveTemporaryFiles();
        var all = store.List();
        if (all.Count == 0) throw new CheckpointFormatException(folder, "the folder holds no checkpoint.");
        var skipped = new List<string>();
        var problems = new List<string>();
        for (int i = all.Count - 1; i >= 0; i--)
        {
            string path = all[i].Path;
            if (CheckpointFile.Verify(path) is not { } problem)
            {
                _skippedCheckpoints = skipped;
                return path;
            }
            skipped.Add($"{path}: {problem}");
            problems.Add($"{Path.GetFileName(path)}: {problem}");
        }
        throw new CheckpointFormatException(folder, $"no intact checkpoint to resume from; {string.Join(" ", problems)}");
    }

    private void Resume(string from)
    {
        string path = Directory.Exists(from) ? IntactCheckpointIn(from) : from;
        using var reader = new CheckpointFile.Reader(path);
        var state = reader.State;
        if (state.Seed != _options.Seed)
            throw new CheckpointFormatException(path, $"it was written with seed {state.Seed}, but this run has seed {_options.Seed}.");
        if (state.Step > _options.TotalSteps)
            throw new CheckpointFormatException(path, $"it is at step {state.Step}, past TotalSteps = {_options.TotalSteps}.");
        if (state.NextMicroBatch != state.Step * _options.AccumulationSteps)
            throw new CheckpointFormatException(path,
                $"it consumed {state.NextMicroBatch} micro-batches in {state.Step} steps, which does not fit AccumulationSteps = {_options.AccumulationSteps}.");

        reader.LoadModel(_objective.Module, _notSaved);
        CreateOptimizer();
        for (int g = 0; g < _groupLayout.Count; g++)
        {
            var saved = g < state.OptimizerGroups.Count ? state.OptimizerGroups[g] : null;
            if (saved is null || !saved.Parameters.SequenceEqual(_groupLayout[g].Parameters))
                throw new CheckpointFormatException(path,
                    $"optimiser group '{_groupLayout[g].Name}' holds other parameters than this model's (different model, freezing or WeightDecayMode).");
        }
        reader.LoadOptimizer(_optimizer!);

        using (var rng = torch.tensor(state.TorchRngState, ScalarType.Byte)) torch.set_rng_state(rng);
        // TorchSharp 0.107 cannot read CUDA generator state, so a resumed CUDA run reseeds it from (seed, step):
        // reproducible from run to run, though not the stream an uninterrupted run would have drawn.
        if (_device.type == DeviceType.CUDA) torch.cuda.manual_seed_all((long)(DeterministicRandom.Mix(_options.Seed, 3, state.Step) >> 1));
        _step = state.Step;
        _nextMicroBatch = state.NextMicroBatch;
        _elapsedBefore = state.ElapsedSeconds;
        _bestValue = state.BestMetricValue;
        _bestStep = state.BestMetricStep;
        _lastCheckpointStep = state.Step;
        _lastCheckpoint = path;
        // Steps after the checkpoint were logged by the run that stopped; this run logs them again.
        if (_options.LogPath is { } log) TrainingLogWriter.TruncateAfter(log, state.Step);
    }

    private TrainingResult Loop(CancellationToken cancellationToken)
    {
        var order = new EpochBatchOrder(_data.SampleCount, _options.MicroBatchSize, _options.Seed);
        long seed = _options.Seed;
        using var queue = new PrefetchQueue<TPrepared>(
            order.KeysFrom(_nextMicroBatch),
            (key, token) => _data.Prepare(key, DeterministicRandom.ForBatch(seed, key.Epoch, key.IndexInEpoch), token),
            _options.PrefetchWorkers,
            _options.PrefetchCapacity);
        using var log = _options.LogPath is null ? null : new TrainingLogWriter(_options.LogPath);

        // Collections only at the top of a step: TorchSharp's implicit Scalars must not be finalized mid-call.
        using var gcPacer = new GcSafePointPacer();
        _objective.Module.train();
        _runStart = _time.GetTimestamp();
        long stepsThisRun = 0;
        while (_step < _options.TotalSteps)
        {
            if (cancellationToken.IsCancellationRequested) return Stop(TrainingStopReason.Cancelled, log);
            gcPacer.SafePoint();

            byte[] rngAtStepStart = RngState();
            double stepStart = RunTime.TotalSeconds;
            StepRecord? record;
            try
            {
                record = TrainStep(queue, stepStart, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Cancelled while waiting for data: undo the half step so the checkpoint is the last whole one.
                ZeroGradients();
                using (var rng = torch.tensor(rngAtStepStart, ScalarType.Byte)) torch.set_rng_state(rng);
                return Stop(TrainingStopReason.Cancelled, log);
            }
            stepsThisRun++;
            _lastRecord = record;
            log?.WriteStep(record);
            ReportProgress(record, stepsThisRun);

            if (_options.ValidateEvery > 0 && _step % _options.ValidateEvery == 0) Validate(log);
            if (_options.CheckpointEvery > 0 && _step % _options.CheckpointEvery == 0) WriteCheckpoint();
            if (_options.TimeBudget is { } b && RunTime >= b) return Stop(TrainingStopReason.TimeBudgetReached, log);
        }
        return Stop(TrainingStopReason.Completed, log);
    }

    // The time-budget fraction the schedule follows from now on, or null while the steps are on course to end in time.
    // Switching is one-way and happens only once the recent step time projects past the budget, so a run with time
    // to spare keeps the exact, reproducible step schedule.
    private double? FollowsTimeBudget(long step, double elapsedSeconds)
    {
        if (_options.TimeBudget is not { } budget || !_options.DecayWithinTimeBudget || budget <= TimeSpan.Zero) return null;
        if (!_followingTimeBudget && step >= _options.WarmupSteps && _recentStepSeconds is { } perStep)
            _followingTimeBudget = elapsedSeconds + (_options.TotalSteps - step) * perStep > budget.TotalSeconds;
        return _followingTimeBudget ? elapsedSeconds / budget.TotalSeconds : null;
    }

    private StepRecord TrainStep(PrefetchQueue<TPrepared> queue, double stepStart, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        long step = _step;
        double lr = FollowsTimeBudget(step, stepStart) is { } fraction ? _schedule.LearningRateAt(step, fraction) : _schedule.LearningRateAt(step);
        int groupIndex = 0;
        foreach (var group in _optimizer!.ParamGroups) group.LearningRate = lr * _groupScales[groupIndex++];
        foreach (var (group, parameters) in _frozenGroups)
            foreach (var p in parameters) p.requires_grad = step >= group.UntilStep;
        ZeroGradients();

        int k = _options.AccumulationSteps;
        var lossSums = new List<KeyValuePair<string, double>>();
        var metricSums = new List<KeyValuePair<string, double>>();
        for (int micro = 0; micro < k; micro++)
        {
            var (_, prepared) = queue.Take(cancellationToken);
            using var microScope = NewDisposeScope();
            var batch = _data.ToBatch(prepared, _device, FloatType);
            var terms = _objective.ComputeLosses(batch, new ObjectiveStepContext(step, micro, k));
            var total = terms.Total();
            foreach (var (name, term) in terms.Terms)
            {
                double v = term.to_type(ScalarType.Float64).item<double>();
                if (!double.IsFinite(v)) throw new TrainingDivergedException(step, $"loss term '{name}' (= {v})", _lastCheckpoint);
                Accumulate(lossSums, name, v);
            }
            foreach (var (name, v) in terms.Metrics) Accumulate(metricSums, name, v);
            (k == 1 ? total : total.DividedBy(k)).backward();
        }

        var trainedParameters = _trained.Select(p => p.Parameter);
        double gradNorm = _options.MaxGradientNorm is { } max
            ? GradientNorm.Clip(trainedParameters, max)
            : GradientNorm.Compute(trainedParameters);
        if (!double.IsFinite(gradNorm)) throw new TrainingDivergedException(step, $"gradient norm (= {gradNorm})", _lastCheckpoint);

        _optimizer.step();
        ClampScales();
        _step = step + 1;
        _nextMicroBatch += k;

        double now = RunTime.TotalSeconds;
        double stepSeconds = now - stepStart;
        _recentStepSeconds = _recentStepSeconds is { } r ? 0.9 * r + 0.1 * stepSeconds : stepSeconds;
        var losses = lossSums.Select(kv => new KeyValuePair<string, double>(kv.Key, kv.Value / k)).ToList();
        return new StepRecord(
            _step,
            losses,
            losses.Sum(kv => kv.Value),
            lr,
            _scales.Select(s => new KeyValuePair<string, double>(s.Scale.Name, Math.Exp(ScalarOf(s.Parameter)))).ToList(),
            metricSums.Select(kv => new KeyValuePair<string, double>(kv.Key, kv.Value / k)).ToList(),
            gradNorm,
            stepSeconds > 0 ? (double)_options.MicroBatchSize * k / stepSeconds : 0,
            stepSeconds,
            _elapsedBefore + now)
        {
            BatchSize = _options.MicroBatchSize,
        };
    }

    private static void Accumulate(List<KeyValuePair<string, double>> sums, string name, double value)
    {
        int i = sums.FindIndex(kv => kv.Key == name);
        if (i < 0) sums.Add(new(name, value));
        else sums[i] = new(name, sums[i].Value + value);
    }

    // Set-to-none, as PyTorch's default zero_grad: a parameter without gradient in a step is skipped by AdamW
    // (no moment update, no weight decay), and frozen parameters stay untouched.
    private void ZeroGradients()
    {
        foreach (var (_, p) in _trained) p.grad = null;
    }

    private void ClampScales()
    {
        using var _ = no_grad();
        foreach (var (scale, p) in _scales)
        {
            if (scale.Min is null && scale.Max is null) continue;
            using Scalar? lo = scale.Min is double a ? (Scalar)a : null;
            using Scalar? hi = scale.Max is double b ? (Scalar)b : null;
            p.clamp_(lo, hi);
        }
    }

    private static double ScalarOf(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to_type(ScalarType.Float64).item<double>();
    }

    private static byte[] RngState()
    {
        using var state = torch.get_rng_state();
        return state.data<byte>().ToArray();
    }

    private void Validate(TrainingLogWriter? log)
    {
        var module = _objective.Module;
        byte[] rng = RngState(); // validation must not shift the training random stream
        IReadOnlyDictionary<string, double> metrics;
        module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            metrics = _validate!(new ValidationContext(_step, module, _device));
        }
        finally
        {
            module.train();
            using var saved = torch.tensor(rng, ScalarType.Byte);
            torch.set_rng_state(saved);
        }
        _lastValidation = metrics;
        log?.WriteValidation(_step, metrics);

        if (_options.BestMetric is not { } name) return;
        if (!metrics.TryGetValue(name, out double value))
            throw new InvalidOperationException(
                $"The validation callback returned no metric '{name}' (BestMetric); it returned {string.Join(", ", metrics.Keys)}.");
        bool better = _bestValue is not { } best || (_options.BestMetricHigherIsBetter ? value > best : value < best);
        if (!better || !double.IsFinite(value)) return;
        _bestValue = value;
        _bestStep = _step;
        if (_store is null) return;
        WriteCheckpoint();
        _store.MarkBest(_step, name, value);
    }

    private void WriteCheckpoint()
    {
        if (_store is null || _lastCheckpointStep == _step) return;
        var state = new TrainingState
        {
            Step = _step,
            NextMicroBatch = _nextMicroBatch,
            Seed = _options.Seed,
            ElapsedSeconds = _elapsedBefore + RunTime.TotalSeconds,
            TorchRngState = RngState(),
            OptimizerGroups = _groupLayout,
            BestMetricValue = _bestValue,
            BestMetricStep = _bestStep,
        };
        var sidecar = new Dictionary<string, object?>
        {
            ["step"] = _step,
            ["saved_utc"] = _time.GetUtcNow().UtcDateTime.ToString("O"),
            ["options"] = _options,
            ["losses"] = _lastRecord?.Losses.ToDictionary(kv => kv.Key, kv => kv.Value),
            ["metrics"] = _lastRecord?.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value),
            ["validation"] = _lastValidation,
            ["best"] = _options.BestMetric is null ? null : new { metric = _options.BestMetric, value = _bestValue, step = _bestStep },
        };
        string json = JsonSerializer.Serialize(sidecar, SidecarJson);
        _lastCheckpoint = _store.Save(_step, s => CheckpointFile.Write(s, state, _objective.Module, _notSaved, _optimizer!), json);
        _lastCheckpointStep = _step;
    }

    private TrainingResult Stop(TrainingStopReason reason, TrainingLogWriter? log)
    {
        WriteCheckpoint();
        // How the run ended, so a report read from the log alone can say steps done of planned and why it stopped.
        log?.WriteEnd(_step, _options.TotalSteps, reason.ToString(), _options.TimeBudget);
        return new TrainingResult(reason, _step, _lastCheckpoint, _store?.BestPath()) { SkippedCheckpoints = _skippedCheckpoints };
    }

    private void ReportProgress(StepRecord record, long stepsThisRun)
    {
        if (_progress is null) return;
        double runSeconds = RunTime.TotalSeconds;
        double secondsPerStep = runSeconds / stepsThisRun;
        double remaining = secondsPerStep * (_options.TotalSteps - record.Step);
        // A time budget ends the run when it runs out, however many steps are left: the estimate is the sooner end.
        if (_options.TimeBudget is { } budget) remaining = Math.Min(remaining, Math.Max(0, budget.TotalSeconds - runSeconds));
        _progress.Report(new TrainingProgress(
            record.Step,
            _options.TotalSteps,
            record.Losses.ToDictionary(kv => kv.Key, kv => kv.Value),
            record.Total,
            record.LearningRate,
            runSeconds > 0 ? stepsThisRun * _options.MicroBatchSize * _options.AccumulationSteps / runSeconds : 0,
            TimeSpan.FromSeconds(record.ElapsedSeconds),
            TimeSpan.FromSeconds(remaining)));
    }
}
