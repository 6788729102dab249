using MaMA.MLNet.Modeling.Tokenization;
using Microsoft.ML.Tokenizers;

namespace MaMA.MLNet.Modeling.Tests.Tokenization;

[TestClass]
public sealed class MaMATokenizerTests
{
    private static readonly string TempDirectory = Path.Combine(Path.GetTempPath(), "mama-tokenizer-" + Guid.NewGuid().ToString("N"));
    private static MaMATokenizer _tokenizer = null!;

    [ClassInitialize]
    public static void WriteFixture(TestContext _)
    {
        _tokenizer = MaMATokenizer.FromDirectory(Gpt2VocabularyFixture.WriteVocabAndMerges(Path.Combine(TempDirectory, "files")));
    }

    [ClassCleanup]
    public static void RemoveFixture()
    {
        if (Directory.Exists(TempDirectory)) Directory.Delete(TempDirectory, recursive: true);
    }

    [TestMethod]
    public void WellKnownGpt2IdsComeOut()
    {
        CollectionAssert.AreEqual(new[] { 15496, 995 }, _tokenizer.Encode("Hello world").ToArray());
        CollectionAssert.AreEqual(new[] { 262 }, _tokenizer.Encode(" the").ToArray());
        CollectionAssert.AreEqual(new[] { 50256 }, _tokenizer.Encode("<|endoftext|>").ToArray());
    }

    [TestMethod]
    public void EncodingAgreesWithTheTiktokenGpt2Tokenizer()
    {
        var tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
        string[] texts =
        [
            "Procedure reported: MG Screen Bilat w/CAD; Reason for procedure: screening.",
            "This patient is African American  or Black, Non-Hispanic or Latino, and 57 years old.",
            "The mammogram shows that no significant masses, calcification, or other abnormalities are present.",
            "Ünïcödé, emoji 🩺 and tabs\tand\nnewlines   trailing   ",
            "It's 3.14159 -- don't we'll they've I'm you'd",
        ];
        foreach (string text in texts)
            CollectionAssert.AreEqual(tiktoken.EncodeToIds(text).ToArray(), _tokenizer.Encode(text).ToArray(), text);
    }

    [TestMethod]
    public void SpecialTokensAreAppendedAfterTheBaseVocabularyInTheDocumentedOrder()
    {
        Assert.AreEqual(50257, _tokenizer.BaseVocabularySize);
        Assert.AreEqual(50263, _tokenizer.VocabularySize);
        int[] ids = [_tokenizer.BosId, _tokenizer.PadId, _tokenizer.MaskId, _tokenizer.SepId, _tokenizer.UnkId, _tokenizer.KeyId];
        CollectionAssert.AreEqual(new[] { 50257, 50258, 50259, 50260, 50261, 50262 }, ids);
        Assert.AreEqual(50256, _tokenizer.EosId);
        CollectionAssert.AreEqual(new[] { 50260, 50262 }, _tokenizer.Encode("<|separatetext|><|keytext|>").ToArray());
    }

    [TestMethod]
    public void CaptionsBecomeBosSentencesWithSeparatorsEosAndPadding()
    {
        var batch = _tokenizer.EncodeCaptions(["Breast composition: fat. Findings: none; ok"]);
        Assert.AreEqual(1, batch.Count);
        Assert.AreEqual(144, batch.Length);
        int sep = _tokenizer.SepId;
        var expected = new List<long> { _tokenizer.BosId };
        expected.AddRange(_tokenizer.Encode("Breast composition: fat").Select(i => (long)i));
        expected.Add(sep);
        expected.AddRange(_tokenizer.Encode(" Findings: none").Select(i => (long)i));
        expected.Add(sep);
        expected.AddRange(_tokenizer.Encode(" ok").Select(i => (long)i));
        expected.Add(_tokenizer.EosId);
        var row = batch.Row(0).ToArray();
        CollectionAssert.AreEqual(expected, row.Take(expected.Count).ToList());
        Assert.IsTrue(row.Skip(expected.Count).All(id => id == _tokenizer.PadId));
        CollectionAssert.AreEqual(
            Enumerable.Repeat(1L, expected.Count).Concat(Enumerable.Repeat(0L, 144 - expected.Count)).ToArray(),
            batch.AttentionMask);
        Assert.AreEqual("<|startoftext|>Breast composition: fat<|separatetext|> Findings: none<|separatetext|> ok<|endoftext|>",
            _tokenizer.Decode(row.Take(expected.Count).Select(i => (int)i)));
    }

    [TestMethod]
    public void LongCaptionsAreTruncatedWithoutAnEos()
    {
        string longCaption = string.Join(" ", Enumerable.Repeat("word", 300));
        var batch = _tokenizer.EncodeCaptions([longCaption, "short"], length: 20);
        var first = batch.Row(0).ToArray();
        Assert.AreEqual(_tokenizer.BosId, first[0]);
        Assert.IsFalse(first.Contains(_tokenizer.EosId));
        Assert.IsFalse(first.Contains(_tokenizer.PadId));
        Assert.AreEqual(20, batch.AttentionMask.Take(20).Sum());
        var (ids, mask) = batch.ToTensors();
        CollectionAssert.AreEqual(new long[] { 2, 20 }, ids.shape);
        Assert.AreEqual(20 + 3, mask.sum().item<long>()); // "short" = bos, short, eos
    }

    [TestMethod]
    public void TokenizerJsonGivesTheSameIds()
    {
        var fromJson = MaMATokenizer.FromDirectory(Gpt2VocabularyFixture.WriteTokenizerJson(Path.Combine(TempDirectory, "json")));
        string text = "Impressions: BI-RADS Category 1: negative. Overall Assessment: Negative.";
        CollectionAssert.AreEqual(_tokenizer.Encode(text).ToArray(), fromJson.Encode(text).ToArray());
        Assert.AreEqual(_tokenizer.VocabularySize, fromJson.VocabularySize);
        Assert.AreEqual(_tokenizer.SepId, fromJson.SepId);
    }

    [TestMethod]
    public void SpecialTokensAlreadyInTheVocabularyKeepTheirIds()
    {
        var vocab = new Dictionary<string, int> { ["a"] = 0, ["b"] = 1, ["ab"] = 2, ["<|endoftext|>"] = 3, ["<|padtext|>"] = 4 };
        var tokenizer = MaMATokenizer.Create(vocab, [("a", "b")]);
        Assert.AreEqual(4, tokenizer.PadId);
        Assert.AreEqual(5, tokenizer.BosId);
        Assert.AreEqual(6, tokenizer.MaskId);
        Assert.AreEqual(9, tokenizer.KeyId);
        Assert.AreEqual(10, tokenizer.VocabularySize);
        CollectionAssert.AreEqual(new[] { 2, 4 }, tokenizer.Encode("ab<|padtext|>").ToArray());
    }

    [TestMethod]
    public void BadFilesGetTheTokenizerException()
    {
        string dir = Path.Combine(TempDirectory, "bad");
        Directory.CreateDirectory(dir);
        Assert.ThrowsExactly<TokenizerFileException>(() => MaMATokenizer.FromDirectory(Path.Combine(dir, "absent")));
        File.WriteAllText(Path.Combine(dir, "vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "a b\n");
        var e = Assert.ThrowsExactly<TokenizerFileException>(() => MaMATokenizer.FromDirectory(dir));
        StringAssert.Contains(e.Message, "<|endoftext|>");
        File.WriteAllText(Path.Combine(dir, "vocab.json"), "{\"a\": 0, \"<|endoftext|>\": 1}");
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "a b c\n");
        e = Assert.ThrowsExactly<TokenizerFileException>(() => MaMATokenizer.FromDirectory(dir));
        StringAssert.Contains(e.Message, "merges.txt");
        File.WriteAllText(Path.Combine(dir, "vocab.json"), "[1, 2");
        Assert.ThrowsExactly<TokenizerFileException>(() => MaMATokenizer.FromDirectory(dir));
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        Assert.ThrowsExactly<TokenizerFileException>(() => MaMATokenizer.FromDirectory(dir));
    }
}
