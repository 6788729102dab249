using MaMA.MLNet.Modeling.MaMA;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Weights;

/// <summary>Where one source tensor goes in a <see cref="MaMAModel"/>: the model's name, and whether the source stores it transposed.</summary>
/// <param name="Target">The model's state-dict name.</param>
/// <param name="Transpose">The source holds the 2-D weight as [in, out] (Hugging Face Conv1D); it is transposed on copy.</param>
public sealed record MaMAWeightTarget(string Target, bool Transpose = false);

/// <summary>
/// Copies named tensors into a <see cref="MaMAModel"/> through a name map, checking everything first: names the
/// model lacks, names the source lacks, and shapes (after any transposition). Strict loads throw a
/// <see cref="WeightLoadException"/> carrying the <see cref="WeightLoadReport"/> and copy nothing.
/// Buffers (batch-norm statistics) are loaded like parameters. Tensors are converted to each target's dtype
/// and device on copy (so a frozen base held in bfloat16 takes float32 weights and the reverse).
/// </summary>
internal static class MaMAStateLoader
{
    /// <param name="model">The model to fill.</param>
    /// <param name="source">The named tensors.</param>
    /// <param name="scheme">Words for the report ("MaMA.MLNet", "MaMA reference").</param>
    /// <param name="map">Source name to target, or null for an entry skipped on purpose.</param>
    /// <param name="strict">Throw on anything missing or unexpected; shape mismatches throw always.</param>
    /// <param name="prefix">A prefix the source names carry (stripped before <paramref name="map"/>); names outside it are skipped.</param>
    public static WeightLoadReport Load(MaMAModel model, NamedTensorSource source, string scheme, Func<string, MaMAWeightTarget?> map, bool strict, string prefix = "")
    {
        var report = new WeightLoadReport { Source = source.Description, Scheme = scheme, Prefix = prefix };
        var targets = model.state_dict();
        var plan = new Dictionary<string, (string SourceName, bool Transpose)>(StringComparer.Ordinal);
        int skipped = 0, outside = 0;
        foreach (string name in source.Names)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) { outside++; continue; }
            var target = map(name[prefix.Length..]);
            if (target is null) { skipped++; continue; }
            if (!targets.TryGetValue(target.Target, out var parameter)) { report.Unexpected.Add(name); continue; }
            if (!plan.TryAdd(target.Target, (name, target.Transpose)))
                throw new WeightLoadException($"'{source.Description}': '{plan[target.Target].SourceName}' and '{name}' both map to '{target.Target}'.");
            long[] shape = source.Shape(name);
            if (target.Transpose && shape.Length == 2) shape = [shape[1], shape[0]];
            if (!shape.SequenceEqual(parameter.shape)) report.ShapeMismatches.Add(new ShapeMismatch(target.Target, parameter.shape, shape));
        }
        foreach (string name in targets.Keys)
        {
            if (plan.ContainsKey(name)) continue;
            (name.EndsWith("mask_token", StringComparison.Ordinal) ? report.MissingOptional : report.Missing).Add(name);
        }
        if (skipped > 0) report.Adaptations.Add($"skipped {skipped} entries on purpose (attention-mask buffers, LM head)");
        if (outside > 0) report.Adaptations.Add($"ignored {outside} entries outside '{prefix}'");
        if (report.ShapeMismatches.Count > 0 || (strict && !report.IsClean)) throw new WeightLoadException(report);

        using var noGrad = no_grad();
        foreach (var (target, (sourceName, transpose)) in plan)
        {
            using var scope = NewDisposeScope();
            var value = source.Get(sourceName);
            targets[target].copy_(transpose ? value.t() : value);
            report.Loaded.Add(target);
        }
        return report;
    }
}
