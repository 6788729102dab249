using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary><see cref="DicomFile.OpenHeader(string)"/> gives the same header as a whole-file read, from the first bytes only.</summary>
[TestClass]
public sealed class HeaderOnlyReadTests
{
    private static string _folder = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _folder = Directory.CreateTempSubdirectory("mama-header-only-").FullName;

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    public static IEnumerable<object[]> AllFiles =>
        ConformanceSet.Entries.Select(e => new object[] { ConformanceSet.FilePath(e) })
            .Concat(ConformanceSet.EdgeFiles.Select(f => new object[] { f }));

    [TestMethod]
    [DynamicData(nameof(AllFiles))]
    public void EveryConformanceFile_HasTheSameHeaderElementsAsAWholeRead(string path)
    {
        DicomFile whole;
        try
        {
            whole = DicomFile.Open(path);
        }
        catch (DicomException)
        {
            // Edge files a whole read refuses: the header-only read may refuse them too, but only as a DicomException.
            try { DicomFile.OpenHeader(path); } catch (DicomException) { }
            return;
        }
        var header = DicomFile.OpenHeader(path);
        Assert.IsTrue(header.IsHeaderOnly);
        Assert.IsFalse(whole.IsHeaderOnly);
        Assert.AreEqual(whole.TransferSyntax.Uid, header.TransferSyntax.Uid);
        var expected = whole.Dataset.Elements.Where(e => e.Tag.Value < DicomTags.FloatPixelData.Value).Select(e => (e.Tag, e.VR, e.Value.Length)).ToList();
        var actual = header.Dataset.Elements.Select(e => (e.Tag, e.VR, e.Value.Length)).ToList();
        CollectionAssert.AreEqual(expected, actual, path);
        foreach (var element in header.Dataset.Elements)
            Assert.IsTrue(element.Value.Span.SequenceEqual(whole.Dataset.Find(element.Tag)!.Value.Span), element.Tag.ToString());

        MammographyHeader? fromWhole = null;
        try { fromWhole = MammographyHeaderReader.Read(whole); } catch (DicomException) { }
        if (fromWhole is not null) Assert.AreEqual(fromWhole, MammographyHeaderReader.Read(header));
    }

    [TestMethod]
    public void ALargeImage_IsReadFromItsFirst64KiB_AndAHeaderLargerThanThatStillReadsWhole()
    {
        var frame = SyntheticImages.Create(12, false, 256, 256); // 128 KiB of pixel data
        var header = new MammographyHeader { PatientId = "P9", Laterality = Laterality.Left, View = "CC", PixelSpacingMm = (0.1, 0.1) };
        string small = Path.Combine(_folder, "small-header.dcm");
        DicomWriter.WriteMammogram(small, frame, header, new PixelPresentation { Windows = [new WindowSetting(2048, 4096)] });
        var read = DicomFile.OpenHeader(small);
        Assert.AreEqual(DicomFile.HeaderPrefixBytes, read.Bytes.Length, "one prefix read, not the whole file");
        Assert.AreEqual(MammographyHeaderReader.Read(DicomFile.Open(small)), MammographyHeaderReader.Read(read));

        // A 65536-entry VOI LUT puts 128 KiB of header before the pixel data: the prefix doubles until it is all there.
        var lut = new LookupTable(0, 16, [.. Enumerable.Range(0, 65536).Select(i => (ushort)i)], "RAMP");
        string large = Path.Combine(_folder, "large-header.dcm");
        DicomWriter.WriteMammogram(large, frame, header, new PixelPresentation { VoiLuts = [lut] });
        var readLarge = DicomFile.OpenHeader(large);
        Assert.AreEqual(4 * DicomFile.HeaderPrefixBytes, readLarge.Bytes.Length);
        var presentation = PixelPresentationReader.Read(readLarge.Dataset);
        CollectionAssert.AreEqual(lut.Entries, presentation.VoiLuts.Single().Entries);
        Assert.AreEqual(MammographyHeaderReader.Read(DicomFile.Open(large)), MammographyHeaderReader.Read(readLarge));
    }

    [TestMethod]
    public void AFileCutInsideItsPixels_ReadsAsAHeader_ButNotWhole_AndAFileCutInItsHeaderDoesNot()
    {
        var frame = SyntheticImages.Create(16, false, 64, 64);
        string full = Path.Combine(_folder, "full.dcm");
        DicomWriter.WriteMammogram(full, frame, new MammographyHeader { PatientId = "P1" }, PixelPresentation.Identity);
        byte[] bytes = File.ReadAllBytes(full);
        string pixelsCut = Path.Combine(_folder, "pixels-cut.dcm"), headerCut = Path.Combine(_folder, "header-cut.dcm");
        File.WriteAllBytes(pixelsCut, bytes[..(bytes.Length - 100)]);
        File.WriteAllBytes(headerCut, bytes[..400]);

        Assert.AreEqual("P1", DicomFile.OpenHeader(pixelsCut).Dataset.GetString(DicomTags.PatientId));
        var whole = Assert.ThrowsExactly<DicomFormatException>(() => DicomFile.Open(pixelsCut));
        StringAssert.Contains(whole.Message, "(7FE0,0010)");
        var cut = Assert.Throws<DicomException>(() => DicomFile.OpenHeader(headerCut));
        StringAssert.StartsWith(cut.Message, headerCut);
        Assert.Throws<DicomException>(() => DicomFile.OpenHeader(Path.Combine(_folder, "missing.dcm")));
    }
}
