namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// Which of MaMA's loss terms <see cref="MaMAModel.ComputeLosses"/> computes. The image-text CLIP loss is always
/// on; the others are the reference's late losses (<c>--late_loss</c>: off until step 8000).
/// </summary>
public sealed record MaMALossSwitches
{
    /// <summary>NT-Xent between the SimCLR projections of both views' pooled features.</summary>
    public bool MultiView { get; init; } = true;

    /// <summary>CLIP loss between the second view and the first view's caption.</summary>
    public bool SecondViewText { get; init; } = true;

    /// <summary>Symmetric local alignment between patch and sentence embeddings.</summary>
    public bool LocalAlignment { get; init; } = true;

    /// <summary>Every term (after the late start).</summary>
    public static MaMALossSwitches All => new();

    /// <summary>The image-text CLIP loss only (before the late start).</summary>
    public static MaMALossSwitches ClipOnly => new() { MultiView = false, SecondViewText = false, LocalAlignment = false };

    /// <summary>Whether any term needs the second view.</summary>
    public bool NeedsSecondView => MultiView || SecondViewText;
}
