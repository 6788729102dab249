using System.Text;

namespace MaMA.MLNet.Data.Captions;

/// <summary>
/// The caption-to-tokenizer rule of MaMA (spec §3): line breaks become spaces, every "." and ";" becomes the
/// separator token, and the text is wrapped in the begin and end tokens. Each separator closes one sentence,
/// and the local loss reads one sentence feature per separator, so the sentences here are exactly the text
/// before each separator; text after the last separator is not a sentence.
/// </summary>
public static class CaptionSentences
{
    /// <summary>The separator token (<c>sep_token</c>).</summary>
    public const string SeparatorToken = "<|separatetext|>";
    /// <summary>The begin-of-text token (<c>bos_token</c>).</summary>
    public const string BeginToken = "<|startoftext|>";
    /// <summary>The end-of-text token (<c>eos_token</c>, GPT-2's).</summary>
    public const string EndToken = "<|endoftext|>";

    /// <summary>True for the characters that become separators.</summary>
    public static bool IsSeparator(char c) => c is '.' or ';';

    /// <summary>The tokenizer input: separators replaced, begin and end tokens added.</summary>
    public static string ToTokenizerText(string caption)
    {
        var text = new StringBuilder(caption.Length + 128).Append(BeginToken);
        foreach (char c in caption)
        {
            if (IsSeparator(c)) text.Append(SeparatorToken);
            else text.Append(c is '\n' ? ' ' : c);
        }
        return text.Append(EndToken).ToString();
    }

    /// <summary>How many sentences (separators) the caption has.</summary>
    public static int Count(string caption)
    {
        int n = 0;
        foreach (char c in caption)
            if (IsSeparator(c)) n++;
        return n;
    }

    /// <summary>The sentences: the trimmed text before each separator, one per separator.</summary>
    public static IReadOnlyList<string> Split(string caption)
    {
        var sentences = new List<string>();
        int start = 0;
        for (int i = 0; i < caption.Length; i++)
        {
            if (!IsSeparator(caption[i])) continue;
            sentences.Add(caption[start..i].Trim());
            start = i + 1;
        }
        return sentences;
    }
}
