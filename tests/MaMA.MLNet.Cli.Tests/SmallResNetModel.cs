using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// A saved model with resnet18-imagenet's layout (BGR, CNTK's input convention, feature norm, the tiny text side) at a
/// width a test can afford: stem 8, one block per stage, 64 px, so a 2 x 2 last feature map of 64 features. Random
/// weights, written once per run beside <see cref="CliFixture"/>'s data.
/// </summary>
internal static class SmallResNetModel
{
    public const int ImageSize = 64;

    /// <summary>The model's configuration.</summary>
    public static MaMAConfig Config { get; } = MaMAConfig.ResNet18ImageNet with
    {
        ResNet = MaMAConfig.ResNet18ImageNet.ResNet! with { StemWidth = 8, Stages = new(1, 1, 1, 1), ImageSize = ImageSize },
    };

    /// <summary>Width of the pooled feature (the last map's channels).</summary>
    public static int FeatureWidth => Config.ImageFeatureWidth;

    private static readonly Lazy<string> State = new(() =>
    {
        string dir = Path.Combine(CliFixture.Directory, "small-resnet-model");
        TorchRuntime.Seed(17);
        using var model = new MaMAModel(Config);
        MaMAModelDirectory.Save(model, dir);
        return dir;
    });

    public static string Directory => State.Value;
}
