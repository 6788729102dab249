namespace MaMA.MLNet.Modeling.Vision;

/// <summary>The feed-forward network inside each transformer block.</summary>
public enum FeedForwardKind
{
    /// <summary><c>fc1</c> - GELU (exact, erf form) - <c>fc2</c>; hidden width = width x MLP ratio. DINOv2 ViT-S/B/L.</summary>
    Mlp,

    /// <summary>
    /// Fused SwiGLU as DINOv2 ViT-g/14: <c>w12</c> (width -> 2h), SiLU(first half) x second half, <c>w3</c> (h -> width),
    /// with h = round_up(int(width x ratio x 2/3), 8).
    /// </summary>
    SwiGlu,
}
