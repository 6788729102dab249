using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests.Toy;

/// <summary>MSE regression through <see cref="ToyNet"/>, plus a "late" term from <see cref="LateStart"/> on.</summary>
internal sealed class ToyObjective : IPretrainingObjective<ToyBatch>
{
    public ToyObjective(double dropout = 0.3, long lateStart = 3, double logitScale = 0.0, LearnableScale? scale = null)
    {
        Net = new ToyNet(dropout, logitScale);
        LateStart = lateStart;
        Scales = [scale ?? LearnableScale.ClipStyle("logit_scale", "logit_scale")];
        FrozenUntil = lateStart > 0 ? [new FrozenParameters("late_loss", lateStart, ["late_head"])] : [];
    }

    public ToyNet Net { get; }

    public long LateStart { get; }

    /// <summary>At this step the gradient becomes NaN while the loss stays finite.</summary>
    public long? NaNGradientAtStep { get; init; }

    /// <summary>When set, every loss is zero times the parameters (zero gradients, for the weight-decay test).</summary>
    public bool ZeroLoss { get; init; }

    /// <summary>Called at the start of every <see cref="ComputeLosses"/> with the context.</summary>
    public Action<ObjectiveStepContext>? OnCompute { get; set; }

    public nn.Module Module => Net;

    public IReadOnlyList<FrozenParameters> FrozenUntil { get; }

    public IReadOnlyList<LearnableScale> Scales { get; }

    public LossTerms ComputeLosses(ToyBatch batch, ObjectiveStepContext context)
    {
        OnCompute?.Invoke(context);
        var terms = new LossTerms();
        var h = Net.Hidden_(batch.X);
        var prediction = Net.fc2.call(h).squeeze(-1) * Net.logit_scale.exp();
        var mse = (prediction - batch.Y).square().mean();
        if (ZeroLoss)
        {
            var zero = Net.parameters().Where(p => p.requires_grad).Select(p => p.sum()).Aggregate((a, b) => a + b) * 0.0;
            terms.Add("mse", zero);
            return terms;
        }
        terms.Add("mse", mse);
        if (context.IsOn(LateStart) && LateStart > 0)
            terms.Add("late", (Net.late_head.call(h).squeeze(-1) - batch.Y).square().mean() * 0.1);
        if (NaNGradientAtStep == context.Step)
            terms.Add("poison", (Net.fc2.weight!.sum() * 0.0).sqrt()); // value 0, gradient 0 * inf = NaN
        terms.AddMetric("mae", (prediction - batch.Y).abs().mean().item<float>());
        return terms;
    }
}
