using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary>Every file of the shared conformance set decodes to the manifest's values; every edge file reads or fails cleanly.</summary>
[TestClass]
public sealed class ConformanceTests
{
    public static IEnumerable<object[]> LosslessFiles => ConformanceSet.Entries.Where(e => !e.Lossy).Select(e => new object[] { e.File });

    public static IEnumerable<object[]> LossyFiles => ConformanceSet.Entries.Where(e => e.Lossy).Select(e => new object[] { e.File });

    public static IEnumerable<object[]> EdgeFiles => ConformanceSet.EdgeFiles.Select(f => new object[] { Path.GetFileName(f) });

    [TestMethod]
    [DynamicData(nameof(LosslessFiles))]
    public void LosslessFileMatchesManifestHash(string name)
    {
        var entry = ConformanceSet.Entry(name);
        var file = DicomFile.Open(ConformanceSet.FilePath(entry));
        var values = ConformanceSet.DecodeAllFrames(file);
        Assert.AreEqual((long)entry.Rows * entry.Columns * entry.Frames * entry.SamplesPerPixel, values.Length);
        Assert.AreEqual(entry.Min, values.Min(), "min");
        Assert.AreEqual(entry.Max, values.Max(), "max");
        Assert.AreEqual(entry.Sha256, ConformanceSet.Sha256(values));
    }

    [TestMethod]
    [DynamicData(nameof(LossyFiles))]
    public void LossyFileStaysWithinTolerance(string name)
    {
        var entry = ConformanceSet.Entry(name);
        var values = ConformanceSet.DecodeAllFrames(DicomFile.Open(ConformanceSet.FilePath(entry)));
        var reference = ConformanceSet.ReferenceValues(entry);
        Assert.HasCount(reference.Length, values);
        long maxAbs = 0;
        double sumAbs = 0;
        for (int i = 0; i < values.Length; i++)
        {
            long difference = Math.Abs((long)values[i] - reference[i]);
            maxAbs = Math.Max(maxAbs, difference);
            sumAbs += difference;
        }
        var tolerance = entry.Tolerance!;
        Assert.IsLessThanOrEqualTo(tolerance.MaxAbs, maxAbs, "largest difference");
        Assert.IsLessThanOrEqualTo(tolerance.MeanAbs, sumAbs / values.Length, "mean difference");
    }

    [TestMethod]
    [DynamicData(nameof(LosslessFiles))]
    public void HeaderMatchesManifest(string name)
    {
        var entry = ConformanceSet.Entry(name);
        var header = MammographyHeaderReader.Read(DicomFile.Open(ConformanceSet.FilePath(entry)));
        Assert.AreEqual(entry.Rows, header.Rows);
        Assert.AreEqual(entry.Columns, header.Columns);
        Assert.AreEqual(entry.Frames, header.NumberOfFrames);
        Assert.AreEqual(entry.BitsAllocated, header.BitsAllocated);
        Assert.AreEqual(entry.BitsStored, header.BitsStored);
        Assert.AreEqual(entry.PixelRepresentation == 1, header.IsSigned);
        Assert.AreEqual(entry.Photometric, header.PhotometricInterpretation);
        if (entry.TransferSyntax is not null) Assert.AreEqual(entry.TransferSyntax, header.TransferSyntaxUid);
    }

    [TestMethod]
    [DynamicData(nameof(EdgeFiles))]
    public void EdgeFileReadsOrThrowsDocumentedException(string name)
    {
        string path = Path.Combine(ConformanceSet.Root, "edge", name);
        try
        {
            var file = DicomFile.Open(path);
            if (file.Dataset.Contains(DicomTags.PixelData))
            {
                var values = ConformanceSet.DecodeAllFrames(file);
                Assert.IsNotEmpty(values);
            }
            else
            {
                Assert.IsNotEmpty(file.Dataset.Elements);
            }
        }
        catch (DicomException e)
        {
            StringAssert.StartsWith(e.Message, path, "the message names the file");
            Assert.IsFalse(string.IsNullOrWhiteSpace(e.Problem));
        }
    }
}
