using System.Text.RegularExpressions;
using MaMA.MLNet.Modeling.MaMA;

namespace MaMA.MLNet.Modeling.Weights;

/// <summary>
/// Imports a checkpoint of the reference implementation (XYPB/MaMA, PyTorch Lightning) into a
/// <see cref="MaMAModel"/>. The Lightning file's <c>state_dict</c> (or a bare state dict) names:
/// <list type="bullet">
/// <item><c>img_encoder_q.*</c>, <c>text_encoder_q.global_embed.*</c>, <c>text_encoder_q.local_embed.*</c>,
/// <c>simclr_proj.*</c>: the same names here.</item>
/// <item><c>logit_scale</c>, <c>local_scale</c>: <c>scales.logit_scale</c>, <c>scales.local_scale</c>.</item>
/// <item><c>text_encoder_q.model.base_model.model.transformer.X</c> (PEFT around a Hugging Face GPT-2):
/// <c>text_encoder_q.model.X</c>, with <c>.base_layer</c> and the adapter name <c>.default</c> dropped and the
/// Conv1D weights ([in, out]) transposed; the <c>base_model.model.</c> and <c>transformer.</c> wrappers are
/// optional, and <c>attn.bias</c>/<c>attn.masked_bias</c> buffers and any <c>lm_head</c> are skipped.</item>
/// </list>
/// The model must be built from the matching configuration: MaMA-base with
/// <see cref="Text.TextPooling.PaddedMean"/> reproduces the reference's text embedding, and the reference's
/// SimCLR head ends with batch norm (<see cref="MaMAConfig.SimClrOutputBatchNorm"/>).
/// </summary>
public static partial class MaMAReferenceCheckpoint
{
    private const string LightningStateDict = "state_dict.";
    private const string TextModel = "text_encoder_q.model.";

    [GeneratedRegex(@"^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$")]
    private static partial Regex Conv1DWeight();

    /// <summary>Opens a Lightning <c>.ckpt</c>, a <c>torch.save</c>d state dict or a safetensors file and loads it; see <see cref="Load(MaMAModel, NamedTensorSource, bool)"/>.</summary>
    /// <exception cref="WeightLoadException">The file is unreadable, or (strict) names or shapes do not fit; the report lists them.</exception>
    public static WeightLoadReport Load(MaMAModel model, string path, bool strict = true)
    {
        using var source = NamedTensorSource.Open(path);
        return Load(model, source, strict);
    }

    /// <summary>
    /// Loads <paramref name="source"/> into <paramref name="model"/>. Names under <c>state_dict.</c> are used when
    /// there are any (a Lightning checkpoint: the rest is optimiser and trainer state), else all names.
    /// </summary>
    /// <exception cref="WeightLoadException">Strict and something is missing or unexpected, or any shape differs; nothing is copied then.</exception>
    public static WeightLoadReport Load(MaMAModel model, NamedTensorSource source, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        if (model.HasMergedAdapters)
            throw new InvalidOperationException("Unmerge the LoRA adapters before loading weights: a merged base weight would count the adapter twice.");
        string prefix = source.Names.Any(n => n.StartsWith(LightningStateDict, StringComparison.Ordinal)) ? LightningStateDict : "";
        return MaMAStateLoader.Load(model, source, "MaMA reference (Lightning/PEFT)", MapName, strict, prefix);
    }

    /// <summary>
    /// Builds the model a reference checkpoint holds: sizes from its tensor shapes and from the text model's
    /// <c>config.json</c> (the head count is in no shape), the tokenizer from that folder, the reference's text pooling
    /// and SimCLR head; loaded strictly. The same path as <see cref="MaMAModel.FromPretrained(MaMAPretrainedOptions)"/>.
    /// </summary>
    /// <param name="checkpointPath">The Lightning <c>.ckpt</c> or state dict.</param>
    /// <param name="textModelDirectory">The Hugging Face folder of the text model the checkpoint was trained from (config and tokenizer are read).</param>
    public static MaMAPretrainedModel LoadModel(string checkpointPath, string textModelDirectory) =>
        MaMAModel.FromPretrained(new MaMAPretrainedOptions { MaMACheckpoint = checkpointPath, TextModel = textModelDirectory });

    /// <summary>The model name (and whether to transpose) for a reference state-dict name; null for entries skipped on purpose.</summary>
    public static MaMAWeightTarget? MapName(string referenceName)
    {
        ArgumentNullException.ThrowIfNull(referenceName);
        switch (referenceName)
        {
            case "logit_scale": return new MaMAWeightTarget(MaMAParameterNames.LogitScale);
            case "local_scale": return new MaMAWeightTarget(MaMAParameterNames.LocalScale);
        }
        if (!referenceName.StartsWith(TextModel, StringComparison.Ordinal)) return new MaMAWeightTarget(referenceName);

        string name = StripPrefix(StripPrefix(referenceName[TextModel.Length..], "base_model.model."), "transformer.");
        if (name.StartsWith("lm_head.", StringComparison.Ordinal)) return null;
        if (name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal)) return null;
        name = name.Replace(".base_layer.", ".", StringComparison.Ordinal)
            .Replace(".lora_A.default.", ".lora_A.", StringComparison.Ordinal)
            .Replace(".lora_B.default.", ".lora_B.", StringComparison.Ordinal);
        return new MaMAWeightTarget(TextModel + name, Conv1DWeight().IsMatch(name));
    }

    private static string StripPrefix(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
}
