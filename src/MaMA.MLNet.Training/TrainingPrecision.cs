namespace MaMA.MLNet.Training;

/// <summary>The numeric precision of training.</summary>
public enum TrainingPrecision
{
    /// <summary>float32 weights, activations and optimiser state.</summary>
    Float32,

    /// <summary>
    /// bfloat16 weights, activations and optimiser state ("bf16-true", what the MaMA reference trains with). TorchSharp
    /// 0.107 has no autocast, so mixed precision is not available; this pure-bfloat16 mode is accepted on CUDA only
    /// and rejected on CPU.
    /// </summary>
    BFloat16,
}
