using static TorchSharp.torch;

namespace MaMA.MLNet.Training;

/// <summary>
/// The data side of pretraining, in two halves: <see cref="Prepare"/> does the CPU work of a micro-batch
/// (decoding, augmentation, caption generation, tokenising) on background workers, and <see cref="ToBatch"/>
/// turns the result into tensors on the training thread.
/// </summary>
/// <typeparam name="TPrepared">Plain .NET arrays and values: no TorchSharp tensors.</typeparam>
/// <typeparam name="TBatch">The tensor batch the objective consumes.</typeparam>
public interface ITrainingData<TPrepared, TBatch>
{
    /// <summary>Samples in the data set (the sample indices of a <see cref="BatchKey"/> are below it).</summary>
    int SampleCount { get; }

    /// <summary>
    /// Prepares the samples of <paramref name="key"/>. Runs on a worker thread, possibly at the same time as other
    /// calls, so it must be thread-safe; all randomness must come from <paramref name="random"/> (derived from the
    /// key), so the result does not depend on the worker. Must not create TorchSharp tensors.
    /// </summary>
    TPrepared Prepare(BatchKey key, Random random, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the tensors of a prepared micro-batch on <paramref name="device"/>, with floating-point inputs in
    /// <paramref name="floatType"/>. Runs on the training thread inside the step's dispose scope.
    /// </summary>
    TBatch ToBatch(TPrepared prepared, Device device, ScalarType floatType);
}
