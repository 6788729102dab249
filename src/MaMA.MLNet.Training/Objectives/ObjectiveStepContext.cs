namespace MaMA.MLNet.Training;

/// <summary>Where in training a call to <see cref="IPretrainingObjective{TBatch}.ComputeLosses"/> happens.</summary>
/// <param name="Step">The optimiser step being computed, counted from 0 (the step whose update is in progress).</param>
/// <param name="MicroBatch">Which micro-batch of the step, from 0 to <paramref name="AccumulationSteps"/> - 1.</param>
/// <param name="AccumulationSteps">How many micro-batches make one optimiser step.</param>
public readonly record struct ObjectiveStepContext(long Step, int MicroBatch, int AccumulationSteps)
{
    /// <summary>
    /// True when a term that switches on at <paramref name="startStep"/> (MaMA: <c>--late_loss 8000</c>) is on at this
    /// step. A start of 0 or less means "from the beginning".
    /// </summary>
    public bool IsOn(long startStep) => Step >= startStep;
}
