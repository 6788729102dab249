using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Weights;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>A model built by <see cref="MaMAModel.FromPretrained(MaMAPretrainedOptions)"/>, with its tokenizer and what each load did.</summary>
/// <param name="Model">The model, in eval mode, on the CPU.</param>
/// <param name="Tokenizer">The text model's tokenizer with MaMA's special tokens.</param>
/// <param name="TokenizerDirectory">The folder the tokenizer came from (give it to <see cref="MaMAModelDirectory.Save"/>).</param>
/// <param name="Reports">One report per weight file loaded (image, text; or the reference checkpoint), with the adaptations made.</param>
public sealed record MaMAPretrainedModel(MaMAModel Model, MaMATokenizer Tokenizer, string TokenizerDirectory, IReadOnlyList<WeightLoadReport> Reports)
{
    /// <summary>All reports as text.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Reports.Select(r => r.ToString()));
}
