namespace MaMA.MLNet.Deployment;

/// <summary>Which part of a MaMA model to export to ONNX.</summary>
public enum MaMAOnnxPart
{
    /// <summary>The image encoder: <c>pixels</c> -> <c>embedding</c>.</summary>
    Image,
    /// <summary>The text encoder with LoRA merged: <c>input_ids</c>, <c>attention_mask</c> -> <c>embedding</c>.</summary>
    Text,
    /// <summary>A zero-shot classifier for one task's prompts: <c>pixels</c> -> <c>logits</c>, <c>probabilities</c>.</summary>
    ZeroShot,
    /// <summary>A linear classifier on the pooled image feature: <c>pixels</c> -> <c>logits</c>, <c>probabilities</c>.</summary>
    Classifier,
    /// <summary>
    /// What <c>mama explain</c> draws: <c>pixels</c>, <c>input_ids</c>, <c>attention_mask</c>, <c>sentence_positions</c>,
    /// <c>sentence_mask</c> -> <c>similarity</c> [B, patches, sentences] (ViT patches, or a ResNet's last feature map cells).
    /// </summary>
    Similarity,
}
