using MaMA.MLNet.Modeling.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Weights;

/// <summary>
/// Loads DINOv2 weights into a <see cref="VisionTransformer"/> from torch-hub names (loaded directly) or Hugging Face
/// <c>Dinov2Model</c> / <c>Dinov2WithRegistersModel</c> names (renamed; query/key/value fused into qkv). The scheme
/// and any name prefix (e.g. <c>dinov2.</c> or <c>img_encoder_q.model.</c>) are recognised from the patch-embedding
/// weight. Position embeddings trained on another grid are interpolated to the model's grid as the model would
/// at run time. Strict by default: anything missing, unexpected or mis-shaped raises a
/// <see cref="WeightLoadException"/> carrying the <see cref="WeightLoadReport"/>; the (unused) mask token may be
/// absent.
/// </summary>
public static class Dinov2WeightLoader
{
    /// <summary>Opens <paramref name="path"/> (safetensors or .pth) and loads it; see <see cref="Load(VisionTransformer, NamedTensorSource, bool, string?)"/>.</summary>
    public static WeightLoadReport Load(VisionTransformer model, string path, bool strict = true, string? prefix = null)
    {
        using var source = NamedTensorSource.Open(path);
        return Load(model, source, strict, prefix);
    }

    /// <summary>Loads weights from <paramref name="source"/> into <paramref name="model"/>.</summary>
    /// <param name="model">The model; its device and dtype are kept (tensors are converted on copy).</param>
    /// <param name="source">The named tensors.</param>
    /// <param name="strict">Throw on missing, unexpected or mis-shaped tensors (nothing is copied then).</param>
    /// <param name="prefix">
    /// A name prefix to strip; names outside it are ignored. Null: recognised from the patch-embedding weight, and
    /// then names outside it count as unexpected.
    /// </param>
    public static WeightLoadReport Load(VisionTransformer model, NamedTensorSource source, bool strict = true, string? prefix = null)
    {
        var (scheme, detectedPrefix) = DetectScheme(source, prefix);
        bool huggingFace = scheme == Scheme.HuggingFace;
        var report = new WeightLoadReport
        {
            Source = source.Description,
            Scheme = huggingFace ? "Hugging Face Dinov2" : "DINOv2 torch hub",
            Prefix = detectedPrefix,
        };

        var consumed = new HashSet<string>();
        var plan = new List<(string Name, Tensor Target, string[] SourceNames, bool Interpolate)>();
        foreach (var (name, target) in model.state_dict())
        {
            string[]? local = huggingFace ? Dinov2WeightNames.ToHuggingFace(name) : [name];
            string[]? sourceNames = local?.Select(n => detectedPrefix + n).ToArray();
            if (sourceNames is null || !sourceNames.All(source.Contains))
            {
                (name == "mask_token" ? report.MissingOptional : report.Missing).Add(name);
                continue;
            }
            consumed.UnionWith(sourceNames);
            long[] found = ConcatenatedShape(source, sourceNames);
            if (found.SequenceEqual(target.shape))
            {
                plan.Add((name, target, sourceNames, false));
            }
            else if (name == "pos_embed" && IsSquareGrid(found, target.shape[2]))
            {
                plan.Add((name, target, sourceNames, true));
                long m = PositionEmbeddingInterpolation.SquareSide(found[1] - 1);
                report.Adaptations.Add($"pos_embed: interpolated from a {m}x{m} grid to {model.Config.GridSize}x{model.Config.GridSize}");
            }
            else
            {
                report.ShapeMismatches.Add(new ShapeMismatch(name, target.shape, found));
            }
        }
        foreach (string sourceName in source.Names)
            if (!consumed.Contains(sourceName) && (prefix is null || sourceName.StartsWith(prefix, StringComparison.Ordinal)))
                report.Unexpected.Add(sourceName);

        if (strict && !report.IsClean) throw new WeightLoadException(report);

        using var noGrad = no_grad();
        foreach (var (name, target, sourceNames, interpolate) in plan)
        {
            using var scope = NewDisposeScope();
            var value = sourceNames.Length == 1 ? source.Get(sourceNames[0]) : cat(sourceNames.Select(source.Get).ToArray(), 0);
            if (interpolate)
                value = PositionEmbeddingInterpolation.Interpolate(value, model.Config.GridSize, model.Config.GridSize,
                    model.Config.InterpolateAntialias, model.Config.InterpolateOffset);
            target.copy_(value);
            report.Loaded.Add(name);
        }
        return report;
    }

    internal enum Scheme { Hub, HuggingFace }

    /// <summary>The naming scheme and name prefix of a DINOv2 state dict, recognised from its patch-embedding weight.</summary>
    internal static (Scheme, string) DetectScheme(NamedTensorSource source, string? prefix)
    {
        foreach (var (scheme, marker) in new[] { (Scheme.Hub, Dinov2WeightNames.HubPatchWeight), (Scheme.HuggingFace, Dinov2WeightNames.HuggingFacePatchWeight) })
        {
            if (prefix is not null)
            {
                if (source.Contains(prefix + marker)) return (scheme, prefix);
                continue;
            }
            // Prefer the shortest prefix, so "a.patch_embed.proj.weight" beats "a.b.patch_embed.proj.weight".
            var hit = source.Names.Where(n => n == marker || n.EndsWith("." + marker, StringComparison.Ordinal)).OrderBy(n => n.Length).FirstOrDefault();
            if (hit is not null) return (scheme, hit[..^marker.Length]);
        }
        string sample = string.Join(", ", source.Names.Take(5));
        throw new WeightLoadException(
            $"'{source.Description}' holds no DINOv2 patch embedding ('{Dinov2WeightNames.HubPatchWeight}' or " +
            $"'{Dinov2WeightNames.HuggingFacePatchWeight}'{(prefix is null ? "" : $" under prefix '{prefix}'")}); its first names are: {sample}.");
    }

    private static long[] ConcatenatedShape(NamedTensorSource source, string[] names)
    {
        long[] shape = source.Shape(names[0]);
        for (int i = 1; i < names.Length; i++)
        {
            long[] next = source.Shape(names[i]);
            if (next.Length != shape.Length || next.Length == 0 || !next.Skip(1).SequenceEqual(shape.Skip(1)))
                return [-1]; // cannot be fused: reported as a shape mismatch
            shape[0] += next[0];
        }
        return shape;
    }

    private static bool IsSquareGrid(long[] shape, long width)
    {
        if (shape.Length != 3 || shape[0] != 1 || shape[2] != width || shape[1] < 2) return false;
        long m = (long)Math.Round(Math.Sqrt(shape[1] - 1));
        return m * m == shape[1] - 1;
    }
}
