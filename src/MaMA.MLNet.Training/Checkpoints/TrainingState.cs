namespace MaMA.MLNet.Training;

/// <summary>
/// Everything in a checkpoint besides the tensors: where training stands and what is needed to continue exactly.
/// Stored as JSON inside the checkpoint file.
/// </summary>
public sealed record TrainingState
{
    /// <summary>Optimiser steps completed; training resumes at this step (from 0).</summary>
    public long Step { get; init; }

    /// <summary>The data-order position: the sequence number of the next micro-batch to consume.</summary>
    public long NextMicroBatch { get; init; }

    /// <summary>The run's seed (data order, augmentation, torch generator at the start).</summary>
    public long Seed { get; init; }

    /// <summary>Training time so far, in seconds, over all runs that led here.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>The state of torch's default CPU generator (<c>torch.get_rng_state()</c>) after the last step.</summary>
    public byte[] TorchRngState { get; init; } = [];

    /// <summary>The optimiser's parameter groups, each as its parameter names, in optimiser order (checked on load).</summary>
    public IReadOnlyList<OptimizerGroupState> OptimizerGroups { get; init; } = [];

    /// <summary>The best value so far of the validation metric that selects the best checkpoint, if any.</summary>
    public double? BestMetricValue { get; init; }

    /// <summary>The step of <see cref="BestMetricValue"/>.</summary>
    public long? BestMetricStep { get; init; }
}

/// <summary>One optimiser parameter group as stored in a checkpoint.</summary>
/// <param name="Name">The group's label (<c>decay</c> or <c>no_decay</c>).</param>
/// <param name="WeightDecay">Its weight decay.</param>
/// <param name="Parameters">Its parameter names, in order.</param>
public sealed record OptimizerGroupState(string Name, double WeightDecay, IReadOnlyList<string> Parameters);
