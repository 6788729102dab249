using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// torchvision's ResNet with basic blocks and without the classifier: <c>conv1</c> (7 x 7, stride 2), <c>bn1</c>, ReLU,
/// 3 x 3 max pool (stride 2), <c>layer1</c>..<c>layer4</c>; parameter names as torchvision's state dict. The last
/// feature map (stride 32: 7 x 7 at 224 px) gives MaMA's local features, its average the global feature.
/// <para>
/// CNTK's ResNet18 in ML.NET's featurizer pads its stride-2 layers asymmetrically (one pixel less at the end);
/// for sides that are multiples of 32 every stride-2 layer sees an even side, where both paddings give the same
/// windows, so the ONNX weights run here unchanged.
/// </para>
/// </summary>
public sealed class ResNet : nn.Module<Tensor, ImageBackboneOutput>
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly Conv2d conv1;
    private readonly FrozenBatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
#pragma warning restore IDE1006
    private readonly double[] inputScale;
    private readonly double[] inputShift;

    /// <summary>Builds the network for <paramref name="config"/> with torchvision's initialisation (Kaiming normal, fan out).</summary>
    public ResNet(ResNetConfig config) : base(nameof(ResNet))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        double eps = config.BatchNormEps;
        conv1 = nn.Conv2d(3, config.StemWidth, 7, stride: 2, padding: 3, bias: false);
        bn1 = new FrozenBatchNorm2d(config.StemWidth, eps);
        var stages = new Sequential[4];
        long inputs = config.StemWidth;
        for (int s = 0; s < 4; s++)
        {
            long width = (long)config.StemWidth << s;
            var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int b = 0; b < config.BlocksPerStage[s]; b++)
            {
                blocks.Add((b.ToString(System.Globalization.CultureInfo.InvariantCulture), new ResNetBasicBlock(inputs, width, b == 0 && s > 0 ? 2 : 1, eps)));
                inputs = width;
            }
            stages[s] = nn.Sequential(blocks);
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3]);
        RegisterComponents();
        using (no_grad())
            foreach (var (name, p) in named_parameters())
                if (p.dim() == 4) nn.init.kaiming_normal_(p, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);

        // MaMA's images x are (v - 0.5) / 0.5 for intensities v in [0, 1]; the network wants (scale v - mean) / std
        // per channel, i.e. x * (scale / 2 / std) + (scale / 2 - mean) / std.
        var mean = config.PixelMean.ToArray();
        var std = config.PixelStd.ToArray();
        inputScale = [.. std.Select(s => config.PixelScale / 2 / s)];
        inputShift = [.. mean.Zip(std, (m, s) => (config.PixelScale / 2 - m) / s)];
    }

    /// <summary>The configuration the network was built from.</summary>
    public ResNetConfig Config { get; }

    /// <summary>
    /// Encodes MaMA-normalised images [B, 3, H, W] (H, W multiples of 32): the input convention of
    /// <see cref="ResNetConfig"/> applied, then <see cref="FeatureMap"/>; pooled feature and cells of the last map.
    /// </summary>
    public override ImageBackboneOutput forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var map = FeatureMap(ToNetworkInput(pixels));
        long b = map.shape[0], c = map.shape[1], h = map.shape[2], w = map.shape[3];
        var pooled = map.mean([2, 3]);
        var cells = map.reshape(b, c, h * w).transpose(1, 2);
        return new ImageBackboneOutput(pooled.MoveToOuterDisposeScope(), cells.MoveToOuterDisposeScope(), h, w);
    }

    /// <summary>The network's stages from the input on: the stem (<c>conv1</c>, <c>bn1</c>), then <c>layer1</c>..<c>layer4</c>.</summary>
    public const int StageCount = 5;

    /// <summary>The parameter-name prefixes of the first <paramref name="count"/> stages (see <see cref="StageCount"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not in [0, <see cref="StageCount"/>].</exception>
    public static IReadOnlyList<string> StagePrefixes(int count)
    {
        if (count is < 0 or > StageCount)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A ResNet has {StageCount} stages (stem, layer1..layer4).");
        var prefixes = new List<string>();
        if (count >= 1) prefixes.AddRange(["conv1", "bn1"]);
        for (int s = 1; s < count; s++) prefixes.Add($"layer{s}");
        return prefixes;
    }

    /// <summary>
    /// Stops the first <paramref name="count"/> stages from training (<c>requires_grad = false</c>, so an optimiser
    /// leaves them out): the generic early filters of a pretrained network stay as they are while later stages adapt.
    /// Returns the names of the parameters frozen.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not in [0, <see cref="StageCount"/>].</exception>
    public IReadOnlyList<string> FreezeStages(int count)
    {
        var prefixes = StagePrefixes(count);
        var frozen = new List<string>();
        foreach (var (name, p) in named_parameters())
        {
            if (!prefixes.Any(prefix => name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal))) continue;
            p.requires_grad = false;
            frozen.Add(name);
        }
        return frozen;
    }

    /// <summary>MaMA-normalised images [B, 3, H, W] in the network's own input convention (channel order, scale, mean, std).</summary>
    public Tensor ToNetworkInput(Tensor pixels)
    {
        if (pixels.dim() != 4 || pixels.shape[1] != 3)
            throw new ArgumentException($"Expected images [B, 3, H, W], got [{string.Join(", ", pixels.shape)}].", nameof(pixels));
        if (pixels.shape[2] % ResNetConfig.Stride != 0 || pixels.shape[3] % ResNetConfig.Stride != 0)
            throw new ArgumentException($"Image sides must be multiples of {ResNetConfig.Stride}, got {pixels.shape[2]} x {pixels.shape[3]}.", nameof(pixels));
        using var scope = NewDisposeScope();
        var x = Config.ReverseChannels ? pixels.flip(1) : pixels;
        var scale = tensor(inputScale, dtype: pixels.dtype, device: pixels.device).reshape(1, 3, 1, 1);
        var shift = tensor(inputShift, dtype: pixels.dtype, device: pixels.device).reshape(1, 3, 1, 1);
        return (x * scale + shift).MoveToOuterDisposeScope();
    }

    /// <summary>The last feature map [B, 8 x stem, H / 32, W / 32] of input already in the network's convention.</summary>
    public Tensor FeatureMap(Tensor networkInput)
    {
        using var scope = NewDisposeScope();
        var x = bn1.forward(conv1.forward(networkInput)).relu_();
        x = nn.functional.max_pool2d(x, 3, stride: 2, padding: 1);
        x = layer4.forward(layer3.forward(layer2.forward(layer1.forward(x))));
        return x.MoveToOuterDisposeScope();
    }
}
