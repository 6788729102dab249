namespace MaMA.MLNet.Onnx.Text;

/// <summary>How the text encoder turns its hidden states [B, T, D] into one feature per text.</summary>
public enum TextPooling
{
    /// <summary>The mean over real tokens only (attention_mask = 1); the cleaner choice.</summary>
    MaskedMean,

    /// <summary>The plain mean over all T positions, padding included, as the MaMA reference code does.</summary>
    Mean,
}
