using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Tests.Components.Support;
using MaMA.MLNet.Training;
using MaMA.MLNet.Training.MaMA;
using Microsoft.ML;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class PretrainingRowsTests
{
    [TestMethod]
    public void MetadataColumnsGiveTheSameStructuredCaptionsAsThePhantomRecords()
    {
        var ml = new MLContext(seed: 1);
        var options = PretrainingFixture.Options("unused", 1);
        var (records, captions) = PretrainingRows.Read(ml.Data.LoadFromEnumerable(PretrainingFixture.Rows), options);
        Assert.IsNull(captions);
        var expected = PretrainingFixture.Records;
        Assert.HasCount(expected.Count, records);
        for (int i = 0; i < records.Count; i++)
        {
            Assert.AreEqual(expected[i].ImagePath, records[i].ImagePath);
            Assert.AreEqual(expected[i].StudyId, records[i].StudyId);
            Assert.AreEqual(expected[i].PatientId, records[i].PatientId);
            // The generator's records are the independent reference: the caption built from the columns is theirs.
            Assert.AreEqual(StructuredCaptionBuilder.Unmasked.Build(expected[i], null), StructuredCaptionBuilder.Unmasked.Build(records[i], null), $"row {i}");
        }
        Assert.IsTrue(records.Any(r => r.BiRads is not null && r.Density is not null && r.Age is not null), "the phantom has the clinical fields");
    }

    [TestMethod]
    public void WithoutMetadataOrStudyColumnsEveryImageIsItsOwnStudyWithUnknownFields()
    {
        var ml = new MLContext(seed: 1);
        var options = new MaMAPretrainingEstimator.Options { OutputDirectory = "unused", StudyIdColumnName = null, CaptionColumnName = "Caption" };
        var (records, captions) = PretrainingRows.Read(ml.Data.LoadFromEnumerable(PretrainingFixture.Rows), options);
        Assert.HasCount(8, records.Select(r => r.StudyId).Distinct().ToList());
        Assert.IsTrue(records.All(r => r.Laterality is null && r.Density is null && r.PatientId == r.StudyId));
        CollectionAssert.AreEqual(PretrainingFixture.Rows.Select(r => r.Caption).ToList(), captions);
    }

    [TestMethod]
    public void CaptionAndMetadataColumnsTogetherAreRefused()
    {
        var options = PretrainingFixture.Options("unused", 1);
        options.CaptionColumnName = "Caption";
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new MLContext().Transforms.MaMAPretraining(options));
        StringAssert.Contains(ex.Message, "'Caption'");
    }

    [TestMethod]
    public void FreeTextCaptionsReplaceOnlyTheTokensOfABatch()
    {
        var tokenizer = MaMATokenizer.CreateGpt2();
        var records = PretrainingFixture.Records;
        var inner = new MaMATrainingData(records, tokenizer, new MaMATrainingDataOptions { ImageSize = PretrainingFixture.ImageSize, TextLength = 48 });
        var captions = records.Select((_, i) => $"Caption number {i}. Second sentence;").ToList();
        var data = new FixedCaptionTrainingData(inner, captions, tokenizer, 48);
        var key = new BatchKey(0, 0, 0, [5, 2, 7]);

        var plain = inner.Prepare(key, new Random(4), CancellationToken.None);
        var fixedCaptions = data.Prepare(key, new Random(4), CancellationToken.None);
        var tokens = tokenizer.EncodeCaptions([captions[5], captions[2], captions[7]], 48);
        CollectionAssert.AreEqual(tokens.InputIds, fixedCaptions.InputIds);
        CollectionAssert.AreEqual(tokens.AttentionMask, fixedCaptions.AttentionMask);
        CollectionAssert.AreEqual(new[] { captions[5], captions[2], captions[7] }, fixedCaptions.Captions.ToArray());
        // Same random draws for the images and views as the structured data.
        CollectionAssert.AreEqual(plain.Pixels, fixedCaptions.Pixels);
        CollectionAssert.AreEqual(plain.SecondViewPixels, fixedCaptions.SecondViewPixels);
        CollectionAssert.AreNotEqual(plain.InputIds, fixedCaptions.InputIds);
    }
}
