using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Training.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests.MaMA;

[TestClass]
public sealed class MaMATrainingDataTests
{
    private static BatchKey Key(params int[] indices) => new(0, 0, 0, indices);

    [TestMethod]
    public void BatchesHaveTheModelShapesAndNormalisedPixels()
    {
        var data = new MaMATrainingData(PhantomSet.Records, PhantomSet.Tokenizer, new MaMATrainingDataOptions { ImageSize = 28 });
        Assert.AreEqual(32, data.SampleCount);
        var prepared = data.Prepare(Key(0, 5, 9), new Random(1), CancellationToken.None);
        Assert.AreEqual(3 * 3 * 28 * 28, prepared.Pixels.Length);
        Assert.AreEqual(3 * 3 * 28 * 28, prepared.SecondViewPixels!.Length);
        Assert.AreEqual(3 * 144, prepared.InputIds.Length);
        Assert.IsTrue(prepared.Pixels.All(v => v is >= -1f and <= 1f));
        // Three identical channels.
        int n = 28 * 28;
        CollectionAssert.AreEqual(prepared.Pixels[..n], prepared.Pixels[n..(2 * n)]);

        using var scope = NewDisposeScope();
        var batch = data.ToBatch(prepared, CPU, ScalarType.Float32);
        CollectionAssert.AreEqual(new long[] { 3, 3, 28, 28 }, batch.Pixels.shape);
        CollectionAssert.AreEqual(new long[] { 3, 3, 28, 28 }, batch.SecondViewPixels!.shape);
        CollectionAssert.AreEqual(new long[] { 3, 144 }, batch.InputIds.shape);
        // One sentence per sep token, and every caption has some.
        for (int i = 0; i < 3; i++)
        {
            int seps = prepared.InputIds.Skip(i * 144).Take(144).Count(id => id == PhantomSet.Tokenizer.SepId);
            Assert.IsTrue(seps > 3, $"caption {i} has {seps} separators");
            Assert.AreEqual(seps, (int)batch.SentenceMask[i].sum().item<long>());
            Assert.AreEqual(PhantomSet.Tokenizer.BosId, prepared.InputIds[i * 144]);
        }
    }

    [TestMethod]
    public void CaptionsAreRegeneratedWithTheMaskProbability()
    {
        var records = PhantomSet.Records;
        var allMasked = new MaMATrainingData(records, PhantomSet.Tokenizer, new MaMATrainingDataOptions { ImageSize = 28, MaskProbability = 1.0 });
        var none = new MaMATrainingData(records, PhantomSet.Tokenizer, new MaMATrainingDataOptions { ImageSize = 28, MaskProbability = 0.0 });
        var masked = allMasked.Prepare(Key(2, 3), new Random(4), CancellationToken.None);
        var plain = none.Prepare(Key(2, 3), new Random(4), CancellationToken.None);
        for (int i = 0; i < 2; i++)
        {
            var record = records[2 + i];
            Assert.AreEqual(StructuredCaptionBuilder.Unmasked.Build(record, null), plain.Captions[i]);
            Assert.AreEqual(new StructuredCaptionBuilder(1.0).Build(record, new Random(0)), masked.Captions[i]);
            StringAssert.Contains(plain.Captions[i], $"{record.Age} years old");
            StringAssert.Contains(masked.Captions[i], "unknown years old");
            var expected = PhantomSet.Tokenizer.EncodeCaptions([masked.Captions[i]]);
            CollectionAssert.AreEqual(expected.InputIds, masked.InputIds.Skip(i * 144).Take(144).ToArray());
        }

        // At p = 0.8 the same image gets different captions on different draws.
        var data = new MaMATrainingData(records, PhantomSet.Tokenizer, new MaMATrainingDataOptions { ImageSize = 28 });
        var captions = Enumerable.Range(0, 12).Select(seed => data.Prepare(Key(0), new Random(seed), CancellationToken.None).Captions[0]).Distinct().Count();
        Assert.IsTrue(captions > 3, $"only {captions} distinct captions in 12 draws");
    }

    [TestMethod]
    public void BatchesAreDeterministicUnderTheRandomAndIndependentOfTheCache()
    {
        var cached = new MaMATrainingData(PhantomSet.Records, PhantomSet.Tokenizer, new MaMATrainingDataOptions { ImageSize = 28 });
        var uncached = new MaMATrainingData(PhantomSet.Records, PhantomSet.Tokenizer, new MaMATrainingDataOptions { ImageSize = 28, CacheImages = false });
        var a = cached.Prepare(Key(1, 7, 30), new Random(11), CancellationToken.None);
        var b = cached.Prepare(Key(1, 7, 30), new Random(11), CancellationToken.None);
        var c = uncached.Prepare(Key(1, 7, 30), new Random(11), CancellationToken.None);
        var d = cached.Prepare(Key(1, 7, 30), new Random(12), CancellationToken.None);
        CollectionAssert.AreEqual(a.Pixels, b.Pixels);
        CollectionAssert.AreEqual(a.Pixels, c.Pixels);
        CollectionAssert.AreEqual(a.SecondViewPixels, c.SecondViewPixels);
        CollectionAssert.AreEqual(a.InputIds, c.InputIds);
        CollectionAssert.AreNotEqual(a.Pixels, d.Pixels);
    }

    [TestMethod]
    public void SecondViewsComeFromTheSameStudy()
    {
        var records = PhantomSet.Records;
        var data = new MaMATrainingData(records, PhantomSet.Tokenizer, new MaMATrainingDataOptions { ImageSize = 28, OtherImageProbability = 1.0 });
        var prepared = data.Prepare(Key([.. Enumerable.Range(0, 32)]), new Random(3), CancellationToken.None);
        for (int i = 0; i < 32; i++)
        {
            var pair = prepared.Pairs[i];
            Assert.AreEqual(i, pair.First);
            Assert.AreNotEqual(i, pair.Second);
            Assert.AreEqual(records[i].StudyId, records[pair.Second].StudyId);
        }
    }

    [TestMethod]
    public void AMissingImageNamesTheFile()
    {
        var records = new List<MammogramRecord> { PhantomSet.Records[0] with { ImagePath = Path.Combine(PhantomSet.Folder, "nope.png") } };
        var data = new MaMATrainingData(records, PhantomSet.Tokenizer, new MaMATrainingDataOptions { ImageSize = 28 });
        var e = Assert.ThrowsExactly<MammogramReadException>(() => data.Prepare(Key(0), new Random(1), CancellationToken.None));
        StringAssert.Contains(e.Message, "nope.png");
    }

    [TestMethod]
    public void BadOptionsAreRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new MaMATrainingData(PhantomSet.Records, PhantomSet.Tokenizer, new MaMATrainingDataOptions { MaskProbability = 1.5 }));
        Assert.ThrowsExactly<ArgumentException>(() => new MaMATrainingData([], PhantomSet.Tokenizer));
    }
}
