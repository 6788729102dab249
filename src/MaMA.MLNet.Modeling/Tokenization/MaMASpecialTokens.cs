namespace MaMA.MLNet.Modeling.Tokenization;

/// <summary>
/// The special tokens MaMA adds to the GPT-2/BioMedLM vocabulary. <see cref="Added"/> is also the order in
/// which new ids are assigned after the base vocabulary: the order of the reference's
/// <c>tokenizer.add_special_tokens({bos, pad, mask, sep, unk, additional_special_tokens: [keytext]})</c>.
/// </summary>
public static class MaMASpecialTokens
{
    /// <summary>Beginning of a caption.</summary>
    public const string Bos = "<|startoftext|>";

    /// <summary>Padding.</summary>
    public const string Pad = "<|padtext|>";

    /// <summary>Mask token (kept for vocabulary compatibility; MaMA does not mask tokens).</summary>
    public const string Mask = "<|masktext|>";

    /// <summary>Sentence separator: every "." and ";" of a caption becomes this token.</summary>
    public const string Sep = "<|separatetext|>";

    /// <summary>Unknown token (byte-level BPE never needs it; kept for vocabulary compatibility).</summary>
    public const string Unk = "<|unknowntext|>";

    /// <summary>Keyword marker (the reference's additional special token).</summary>
    public const string Key = "<|keytext|>";

    /// <summary>End of a caption: GPT-2's own end-of-text token, already in the base vocabulary.</summary>
    public const string Eos = "<|endoftext|>";

    /// <summary>The added tokens in id order: bos, pad, mask, sep, unk, keytext.</summary>
    public static IReadOnlyList<string> Added { get; } = [Bos, Pad, Mask, Sep, Unk, Key];
}
