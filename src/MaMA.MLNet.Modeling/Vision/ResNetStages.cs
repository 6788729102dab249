namespace MaMA.MLNet.Modeling.Vision;

/// <summary>Basic blocks in each of a ResNet's four stages (a record, so configs compare by value).</summary>
public sealed record ResNetStages(int Stage1, int Stage2, int Stage3, int Stage4)
{
    /// <summary>torchvision's ResNet18: 2-2-2-2.</summary>
    public static ResNetStages ResNet18 => new(2, 2, 2, 2);

    /// <summary>torchvision's ResNet34: 3-4-6-3.</summary>
    public static ResNetStages ResNet34 => new(3, 4, 6, 3);

    /// <summary>The four counts in order.</summary>
    public int[] ToArray() => [Stage1, Stage2, Stage3, Stage4];

    /// <inheritdoc/>
    public override string ToString() => $"{Stage1}-{Stage2}-{Stage3}-{Stage4}";
}
