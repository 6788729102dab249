namespace MaMA.MLNet.Training.MaMA;

/// <summary>
/// Which MaMA losses train and when the late ones start (the reference's <c>--late_loss</c>).
/// </summary>
public sealed record MaMAObjectiveOptions
{
    /// <summary>
    /// Step at which the multi-view NT-Xent, the second-view CLIP and the local alignment losses switch on, and the
    /// local projections and local scale unfreeze (MaMA: 8000). Short runs need a small value; 0 = from the start.
    /// </summary>
    public long LateStartStep { get; init; } = 8000;

    /// <summary>The multi-view losses (NT-Xent between two views and CLIP of the second view); false for the ablation.</summary>
    public bool MultiView { get; init; } = true;

    /// <summary>The symmetric local (patch-sentence) alignment loss; false for the ablation.</summary>
    public bool LocalAlignment { get; init; } = true;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">The late start is negative.</exception>
    public void Validate()
    {
        if (LateStartStep < 0) throw new ArgumentException($"MaMA objective option LateStartStep must not be negative, got {LateStartStep}.", nameof(LateStartStep));
    }
}
