using MaMA.MLNet.Modeling.MaMA;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.MaMA;

/// <summary>
/// MaMA's pretraining objective for the engine: <see cref="MaMAModel.ComputeLosses"/> with the late start of the
/// reference. Before <see cref="MaMAObjectiveOptions.LateStartStep"/> only the image-text CLIP loss is computed
/// and the local projection heads and local scale are frozen (the trainer holds them out via
/// <see cref="FrozenUntil"/>); from that step on the multi-view, second-view and local terms join. Switched-off
/// losses never run, and their heads are frozen for the whole run so they stay out of the optimiser.
/// Metrics: <c>i2t_top1</c>, <c>i2t_top5</c> (image-text retrieval within the batch).
/// </summary>
public sealed class MaMAObjective : IPretrainingObjective<MaMABatch>
{
    /// <summary>Name of the late-start parameter group.</summary>
    public const string LateGroupName = "late_loss";

    private readonly MaMAModel _model;

    /// <summary>Wraps <paramref name="model"/>; freezes the heads of switched-off losses.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public MaMAObjective(MaMAModel model, MaMAObjectiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Options = options ?? new MaMAObjectiveOptions();
        Options.Validate();
        _model = model;

        if (!Options.LocalAlignment) model.SetLocalAlignmentTrainable(false);
        if (!Options.MultiView)
            foreach (var p in model.SimClrHead.parameters()) p.requires_grad = false;

        FrozenUntil = Options.LocalAlignment
            ? [new FrozenParameters(LateGroupName, Options.LateStartStep,
                [MaMAParameterNames.ImageLocalProjection, MaMAParameterNames.TextLocalProjection, MaMAParameterNames.LocalScale])]
            : [];
        Scales = Options.LocalAlignment
            ? [LearnableScale.ClipStyle("logit_scale", MaMAParameterNames.LogitScale), LearnableScale.ClipStyle("local_scale", MaMAParameterNames.LocalScale)]
            : [LearnableScale.ClipStyle("logit_scale", MaMAParameterNames.LogitScale)];
    }

    /// <summary>The options in force.</summary>
    public MaMAObjectiveOptions Options { get; }

    /// <summary>The model being trained.</summary>
    public MaMAModel Model => _model;

    /// <inheritdoc />
    public nn.Module Module => _model;

    /// <inheritdoc />
    public IReadOnlyList<FrozenParameters> FrozenUntil { get; }

    /// <inheritdoc />
    public IReadOnlyList<LearnableScale> Scales { get; }

    /// <summary>The loss switches at <paramref name="step"/>.</summary>
    public MaMALossSwitches SwitchesAt(long step)
    {
        bool late = step >= Options.LateStartStep;
        return new MaMALossSwitches
        {
            MultiView = Options.MultiView && late,
            SecondViewText = Options.MultiView && late,
            LocalAlignment = Options.LocalAlignment && late,
        };
    }

    /// <inheritdoc />
    public LossTerms ComputeLosses(MaMABatch batch, ObjectiveStepContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // The term tensors live in the caller's dispose scope; the MaMALosses wrapper is not disposed because
        // the trainer back-propagates through them.
        var losses = _model.ComputeLosses(batch, SwitchesAt(context.Step));
        var terms = new LossTerms();
        foreach (var (name, term) in losses.Terms) terms.Add(name, term);
        terms.AddMetric("i2t_top1", losses.RetrievalTop1);
        terms.AddMetric("i2t_top5", losses.RetrievalTop5);
        return terms;
    }
}
