using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// torchvision's <c>BasicBlock</c>: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), 3 x 3 convolutions without
/// bias; the shortcut is <c>downsample</c> (1 x 1 convolution and norm) where the stride or width changes.
/// </summary>
public sealed class ResNetBasicBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly Conv2d conv1;
    private readonly FrozenBatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly FrozenBatchNorm2d bn2;
    private readonly Sequential? downsample;
#pragma warning restore IDE1006

    /// <summary>A block from <paramref name="inputs"/> to <paramref name="width"/> channels with the first convolution's <paramref name="stride"/>.</summary>
    public ResNetBasicBlock(long inputs, long width, long stride, double eps) : base(nameof(ResNetBasicBlock))
    {
        conv1 = nn.Conv2d(inputs, width, 3, stride: stride, padding: 1, bias: false);
        bn1 = new FrozenBatchNorm2d(width, eps);
        conv2 = nn.Conv2d(width, width, 3, stride: 1, padding: 1, bias: false);
        bn2 = new FrozenBatchNorm2d(width, eps);
        if (stride != 1 || inputs != width)
            downsample = nn.Sequential(("0", nn.Conv2d(inputs, width, 1, stride: stride, bias: false)), ("1", new FrozenBatchNorm2d(width, eps)));
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = bn1.forward(conv1.forward(input)).relu_();
        x = bn2.forward(conv2.forward(x));
        var shortcut = downsample is null ? input : downsample.forward(input);
        return x.add_(shortcut).relu_().MoveToOuterDisposeScope();
    }
}
