using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Pretraining;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// The pretraining defaults a preset name stands for, shared by <c>mama pretrain</c> and <c>mama compare-features
/// --pretrain-per-fold</c>: <c>tiny</c> is trained from scratch with the short-run settings (docs/design/learning.md),
/// <c>resnet18-imagenet</c> starts from the ImageNet weights the tool carries, any other preset gets the library defaults.
/// </summary>
internal static class PretrainRecipe
{
    /// <exception cref="ArgumentException">Unknown preset name.</exception>
    /// <exception cref="FileNotFoundException">The ResNet preset and the tool was built without its packaged weights.</exception>
    public static MaMAPretrainingOptions For(string presetName, string outputDirectory) =>
        presetName == "tiny"
            ? MaMAPretrainingOptions.TinyFromScratch(outputDirectory)
            : MaMAConfig.FromPreset(presetName) is var presetConfig && ImageEncoderChoice.UsesPackagedResNet18(presetConfig)
                ? MaMAPretrainingOptions.ResNet18ImageNet(outputDirectory, ImageEncoderChoice.PackagedResNet18())
                : new MaMAPretrainingOptions { Preset = presetName, OutputDirectory = outputDirectory };
}
