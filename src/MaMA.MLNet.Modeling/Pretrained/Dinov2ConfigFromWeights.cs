using System.Text.RegularExpressions;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Modeling.Weights;

namespace MaMA.MLNet.Modeling.Pretrained;

/// <summary>
/// The <see cref="VisionTransformerConfig"/> of a DINOv2 state dict without a config file (a torch-hub
/// <c>.pth</c> or a bare safetensors file, torch-hub or Hugging Face names), read from tensor shapes: width and
/// patch size from the patch embedding, the pretraining grid (so the image size) from the position embedding,
/// registers, depth, LayerScale, the feed-forward kind and width, and the qkv bias. The head count is not in any
/// shape: every DINOv2 model has 64-wide heads (S 6, B 12, L 16, g 24), so heads = width / 64 unless given.
/// </summary>
public static partial class Dinov2ConfigFromWeights
{
    /// <summary>Width of one attention head in every published DINOv2 model.</summary>
    public const int Dinov2HeadWidth = 64;

    [GeneratedRegex(@"^(?:blocks|encoder\.layer)\.(\d+)\.")]
    private static partial Regex BlockIndex();

    /// <summary>Infers the configuration of the DINOv2 weights in <paramref name="source"/>.</summary>
    /// <param name="source">The named tensors.</param>
    /// <param name="prefix">A name prefix (e.g. <c>img_encoder_q.model.</c>); null: recognised from the patch embedding.</param>
    /// <param name="heads">Attention heads; null: width / 64.</param>
    /// <exception cref="WeightLoadException">A tensor the configuration needs is missing or has an impossible shape; the message names the file and the tensor.</exception>
    public static VisionTransformerConfig Infer(NamedTensorSource source, string? prefix = null, int? heads = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var (scheme, detected) = Dinov2WeightLoader.DetectScheme(source, prefix);
        bool hub = scheme == Dinov2WeightLoader.Scheme.Hub;
        string Name(string hubName, string hfName) => detected + (hub ? hubName : hfName);
        long[] Shape(string name, int rank)
        {
            long[] shape = source.Shape(name);
            if (shape.Length != rank || shape.Any(d => d <= 0))
                throw new WeightLoadException($"'{source.Description}': tensor '{name}' has shape [{string.Join(", ", shape)}]; a DINOv2 model needs a {rank}-d shape there.");
            return shape;
        }

        long[] patch = Shape(Name(Dinov2WeightNames.HubPatchWeight, Dinov2WeightNames.HuggingFacePatchWeight), 4);
        int width = checked((int)patch[0]);
        if (patch[1] != 3 || patch[2] != patch[3])
            throw new WeightLoadException($"'{source.Description}': the patch embedding has shape [{string.Join(", ", patch)}]; expected [width, 3, p, p].");
        int patchSize = checked((int)patch[2]);

        string posName = Name("pos_embed", "embeddings.position_embeddings");
        if (!source.Contains(posName)) throw new WeightLoadException($"'{source.Description}' has no position embedding '{posName}'.");
        long[] pos = Shape(posName, 3);
        long grid = (long)Math.Round(Math.Sqrt(pos[1] - 1));
        if (pos[0] != 1 || pos[2] != width || grid * grid != pos[1] - 1)
            throw new WeightLoadException($"'{source.Description}': '{posName}' has shape [{string.Join(", ", pos)}]; expected [1, 1 + g*g, {width}].");

        string registerName = Name("register_tokens", "embeddings.register_tokens");
        int registers = source.Contains(registerName) ? checked((int)Shape(registerName, 3)[1]) : 0;

        var blockIndices = source.Names.Where(n => n.StartsWith(detected, StringComparison.Ordinal))
            .Select(n => BlockIndex().Match(n[detected.Length..])).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        int depth = blockIndices.Count;
        if (depth > 0 && blockIndices.Max() != depth - 1)
            throw new WeightLoadException($"'{source.Description}': block numbers are not 0..{depth - 1} (highest {blockIndices.Max()}).");

        bool layerScale = depth > 0 && source.Contains(Name("blocks.0.ls1.gamma", "encoder.layer.0.layer_scale1.lambda1"));
        bool qkvBias = depth == 0 || source.Contains(Name("blocks.0.attn.qkv.bias", "encoder.layer.0.attention.attention.query.bias"));
        var feedForward = FeedForwardKind.Mlp;
        double mlpRatio = 4.0;
        if (depth > 0)
        {
            string fc1 = Name("blocks.0.mlp.fc1.weight", "encoder.layer.0.mlp.fc1.weight");
            string w12 = Name("blocks.0.mlp.w12.weight", "encoder.layer.0.mlp.weights_in.weight");
            if (source.Contains(fc1)) mlpRatio = Shape(fc1, 2)[0] / (double)width;
            else if (source.Contains(w12)) feedForward = FeedForwardKind.SwiGlu;
            else throw new WeightLoadException($"'{source.Description}' has neither '{fc1}' nor '{w12}': cannot tell the feed-forward network.");
        }

        int headCount = heads ?? Math.Max(1, width / Dinov2HeadWidth);
        var config = new VisionTransformerConfig
        {
            PatchSize = patchSize,
            ImageSize = checked((int)grid * patchSize),
            Width = width,
            Depth = depth,
            Heads = headCount,
            MlpRatio = mlpRatio,
            RegisterCount = registers,
            LayerScaleInit = layerScale ? 1.0 : null,
            FeedForward = feedForward,
            QkvBias = qkvBias,
            InterpolateAntialias = registers > 0,
            InterpolateOffset = registers > 0 ? 0.0 : 0.1,
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new WeightLoadException($"'{source.Description}': the inferred DINOv2 configuration is invalid: {e.Message}", e); }
        return config;
    }
}
