using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using Microsoft.ML.Tokenizers;

namespace MaMA.MLNet.Modeling.Tests.Tokenization;

[TestClass]
public sealed class BundledGpt2VocabularyTests
{
    [TestMethod]
    public void CreateGpt2EncodesLikeTiktokenAndFitsTheTinyPreset()
    {
        var tokenizer = MaMATokenizer.CreateGpt2();
        var tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
        const string text = "Breast composition: The breasts are heterogeneously dense, which may obscure small masses. 57 years old";
        CollectionAssert.AreEqual(tiktoken.EncodeToIds(text).ToArray(), tokenizer.Encode(text).ToArray());

        var tiny = MaMAConfig.Tiny;
        Assert.AreEqual(50257, tokenizer.BaseVocabularySize);
        Assert.AreEqual(tiny.TextVocabSize, tokenizer.VocabularySize);
        Assert.AreEqual(tiny.SeparatorTokenId, tokenizer.SepId);
    }

    [TestMethod]
    public void VocabularyAndMergesHaveGpt2Sizes()
    {
        var vocab = BundledGpt2Vocabulary.Vocabulary();
        Assert.AreEqual(50257, vocab.Count);
        Assert.AreEqual(50000, BundledGpt2Vocabulary.Merges().Count);
        Assert.AreEqual(BundledGpt2Vocabulary.EndOfText, vocab["<|endoftext|>"]);
        // GPT-2's first merge is "Ġ t" (space + t), and its second "Ġ a".
        Assert.AreEqual(("\u0120", "t"), BundledGpt2Vocabulary.Merges()[0]);
        Assert.AreEqual(("\u0120", "a"), BundledGpt2Vocabulary.Merges()[1]);
    }
}
