using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Vision;

/// <summary>
/// Writes a <see cref="ResNet"/> (torchvision names under the weight set's prefix) as ONNX nodes: the input
/// convention as one per-channel Mul and Add (after a channel Gather for BGR networks), each convolution with its
/// frozen batch norm folded in (W g, beta - mean g with g = gamma / sqrt(var + eps): the norm is affine at
/// inference), ReLU, max pool, residual Adds, and the mean over the last map: the pooled feature [B, C]; or the last
/// map itself (<see cref="WriteFeatureMap"/>), whose cells are MaMA's local features of a ResNet.
/// </summary>
public static class ResNetGraphWriter
{
    /// <summary>Adds the network reading <paramref name="pixels"/> [B, 3, H, W] (MaMA-normalised); returns the pooled feature's name.</summary>
    /// <exception cref="OnnxExportException">A weight is missing or mis-shaped.</exception>
    public static string Write(OnnxGraphBuilder g, WeightSet weights, ResNetConfig config, string pixels) =>
        g.ReduceMean(WriteFeatureMap(g, weights, config, pixels), [2, 3], keepDims: false, "pooled_feature");

    /// <summary>Adds the network reading <paramref name="pixels"/> [B, 3, H, W] (MaMA-normalised) up to its last feature map [B, C, H / 32, W / 32]; returns its name.</summary>
    /// <exception cref="OnnxExportException">A weight is missing or mis-shaped.</exception>
    public static string WriteFeatureMap(OnnxGraphBuilder g, WeightSet weights, ResNetConfig config, string pixels)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        double[] mean = config.PixelMean.ToArray(), std = config.PixelStd.ToArray();
        float[] scale = [.. std.Select(s => (float)(config.PixelScale / 2 / s))];
        float[] shift = [.. mean.Zip(std, (m, s) => (float)((config.PixelScale / 2 - m) / s))];
        string x = config.ReverseChannels ? g.Gather(pixels, g.Int64s(2, 1, 0), axis: 1, "bgr") : pixels;
        x = g.Add(g.Mul(x, g.AddInitializer("input_scale", scale, 1, 3, 1, 1), "input_scale"), g.AddInitializer("input_shift", shift, 1, 3, 1, 1), "input_shift");

        long stem = config.StemWidth;
        x = Relu(g, ConvNorm(g, weights, config, x, "conv1", "bn1", 3, stem, 7, 2, 3));
        x = g.AddNode("MaxPool", "maxpool", [x], OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("strides", 2, 2), OnnxAttribute.Ints("pads", 1, 1, 1, 1));
        long inputs = stem;
        for (int s = 0; s < 4; s++)
        {
            long width = stem << s;
            for (int b = 0; b < config.BlocksPerStage[s]; b++)
            {
                string block = $"layer{s + 1}.{b}";
                long stride = b == 0 && s > 0 ? 2 : 1;
                var y = Relu(g, ConvNorm(g, weights, config, x, block + ".conv1", block + ".bn1", inputs, width, 3, stride, 1));
                y = ConvNorm(g, weights, config, y, block + ".conv2", block + ".bn2", width, width, 3, 1, 1);
                string shortcut = stride != 1 || inputs != width
                    ? ConvNorm(g, weights, config, x, block + ".downsample.0", block + ".downsample.1", inputs, width, 1, stride, 0)
                    : x;
                x = Relu(g, g.Add(y, shortcut, block + ".add"));
                inputs = width;
            }
        }
        return x;
    }

    private static string Relu(OnnxGraphBuilder g, string x) => g.AddNode("Relu", "relu", [x]);

    private static string ConvNorm(OnnxGraphBuilder g, WeightSet weights, ResNetConfig config, string x, string conv, string norm,
        long inputs, long outputs, long kernel, long stride, long pad)
    {
        using var scope = NewDisposeScope();
        var w = weights.ReadDouble(conv + ".weight", outputs, inputs, kernel, kernel);
        var gamma = weights.ReadDouble(norm + ".weight", outputs);
        var beta = weights.ReadDouble(norm + ".bias", outputs);
        var mean = weights.ReadDouble(norm + ".running_mean", outputs);
        var variance = weights.ReadDouble(norm + ".running_var", outputs);
        var gain = gamma / (variance + config.BatchNormEps).sqrt();
        var folded = w * gain.reshape(-1, 1, 1, 1);
        var bias = beta - mean * gain;
        string wName = g.AddInitializer(conv + ".weight", WeightSet.ToFloats(folded), outputs, inputs, kernel, kernel);
        string bName = g.AddInitializer(conv + ".bias", WeightSet.ToFloats(bias), outputs);
        return g.AddNode("Conv", conv, [x, wName, bName], OnnxAttribute.Ints("kernel_shape", kernel, kernel),
            OnnxAttribute.Ints("strides", stride, stride), OnnxAttribute.Ints("pads", pad, pad, pad, pad));
    }
}
