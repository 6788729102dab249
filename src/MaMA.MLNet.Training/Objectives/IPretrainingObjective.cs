using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training;

/// <summary>
/// What the pretraining engine needs from a model: its parameters (through <see cref="Module"/>) and the loss terms
/// of a batch. The MaMA CLIP model implements this; the engine knows nothing else about it.
/// </summary>
/// <typeparam name="TBatch">The tensor batch, made by <see cref="ITrainingData{TPrepared, TBatch}.ToBatch"/>.</typeparam>
public interface IPretrainingObjective<TBatch>
{
    /// <summary>
    /// The module whose parameters train. Parameters with <c>requires_grad = false</c> when the trainer starts (a
    /// frozen LLM) are left out of the optimiser, except those named in <see cref="FrozenUntil"/>.
    /// </summary>
    nn.Module Module { get; }

    /// <summary>
    /// Runs the model on one micro-batch and returns its loss terms, each the mean over the micro-batch. Called on
    /// the training thread inside a dispose scope, with the module in training mode and gradients on. Terms that
    /// switch on late are added only when <paramref name="context"/> says they are on.
    /// </summary>
    LossTerms ComputeLosses(TBatch batch, ObjectiveStepContext context);

    /// <summary>Parameter groups that stay frozen until a step (MaMA: local projections and <c>local_scale</c>).</summary>
    IReadOnlyList<FrozenParameters> FrozenUntil { get; }

    /// <summary>Learnable log-scales to log and clamp (MaMA: <c>logit_scale</c>, <c>local_scale</c>).</summary>
    IReadOnlyList<LearnableScale> Scales { get; }
}
