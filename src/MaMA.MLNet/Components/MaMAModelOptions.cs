using MaMA.MLNet.Modeling;

namespace MaMA.MLNet.Components;

/// <summary>Settings every model-backed MaMA component shares: which model, where it runs, how many rows per forward.</summary>
public abstract class MaMAModelOptions
{
    /// <summary>A MaMA model directory (config.json, model.safetensors, tokenizer/), as written by <c>MaMAModelDirectory.Save</c>.</summary>
    public string ModelDirectory { get; set; } = "";

    /// <summary>cpu, cuda, cuda:N or auto. Saved with the pipeline; a loaded pipeline runs there again.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Rows per model forward.</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Checks the shared settings.</summary>
    /// <exception cref="ArgumentException">A setting is out of range, or <see cref="Device"/> is no device name (<see cref="DeviceName"/>).</exception>
    public virtual void Validate()
    {
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be at least 1");
        // The one device-name parser (also TorchSharp's, ONNX Runtime's and the tool's): "cuda:x" is refused here, not at load.
        DeviceName.Parse(Device, nameof(Device));
    }
}
