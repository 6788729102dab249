using System.Text;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

[TestClass]
public sealed class DicomParserTests
{
    private static DatasetBuilder Sample(bool explicitVR, bool bigEndian) =>
        new DatasetBuilder(explicitVR, bigEndian)
            .Text(0x0008, 0x0060, "CS", "MG")
            .Text(0x0010, 0x0020, "LO", "PAT-01")
            .Text(0x0020, 0x0062, "CS", "R")
            .UShort(0x0028, 0x0010, 3000)
            .UShort(0x0028, 0x0011, 2000);

    [TestMethod]
    [DataRow(false, false, "1.2.840.10008.1.2")]
    [DataRow(true, false, "1.2.840.10008.1.2.1")]
    [DataRow(true, true, "1.2.840.10008.1.2.2")]
    public void BareDataSetEncodingIsGuessed(bool explicitVR, bool bigEndian, string expectedUid)
    {
        var file = DicomFile.Parse(Sample(explicitVR, bigEndian).ToArray(), "bare");
        Assert.IsTrue(file.TransferSyntaxGuessed);
        Assert.IsFalse(file.HasPreamble);
        Assert.AreEqual(expectedUid, file.TransferSyntax.Uid);
        Assert.AreEqual("PAT-01", file.Dataset.GetString(DicomTags.PatientId));
        Assert.AreEqual(3000, file.Dataset.GetInt(DicomTags.Rows));
        Assert.AreEqual(2000, file.Dataset.GetInt(DicomTags.Columns));
    }

    [TestMethod]
    [DataRow(false, false, "1.2.840.10008.1.2")]
    [DataRow(true, false, "1.2.840.10008.1.2.1")]
    [DataRow(true, true, "1.2.840.10008.1.2.2")]
    public void Part10FileUsesDeclaredTransferSyntax(bool explicitVR, bool bigEndian, string uid)
    {
        var file = DicomFile.Parse(Sample(explicitVR, bigEndian).ToPart10(uid), "part10");
        Assert.IsTrue(file.HasPreamble);
        Assert.IsFalse(file.TransferSyntaxGuessed);
        Assert.AreEqual(uid, file.DeclaredTransferSyntaxUid);
        Assert.AreEqual("R", file.Dataset.GetString(DicomTags.ImageLaterality));
        Assert.AreEqual(2000, file.Dataset.GetInt(DicomTags.Columns));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void NestedSequencesOfDefinedAndUndefinedLengthAreRead(bool explicitVR)
    {
        var bytes = new DatasetBuilder(explicitVR)
            .Text(0x0008, 0x0060, "CS", "MG")
            .Sequence(0x0054, 0x0220, undefinedLength: true,
                item => item.Text(0x0008, 0x0100, "SH", "R-10242")
                            .Sequence(0x0054, 0x0222, undefinedLength: false, modifier => modifier.Text(0x0008, 0x0104, "LO", "left")),
                item => item.Text(0x0008, 0x0100, "SH", "second"))
            .Text(0x0010, 0x0020, "LO", "after")
            .ToArray();
        var ds = DicomFile.Parse(bytes, "nested").Dataset;
        var items = ds.GetSequence(DicomTags.ViewCodeSequence);
        Assert.HasCount(2, items);
        Assert.AreEqual("R-10242", items[0].GetString(DicomTags.CodeValue));
        Assert.AreEqual("left", items[0].GetSequence(DicomTags.ViewModifierCodeSequence)[0].GetString(DicomTags.CodeMeaning));
        Assert.AreEqual("second", items[1].GetString(DicomTags.CodeValue));
        Assert.AreEqual("after", ds.GetString(DicomTags.PatientId), "the element after the sequence is found");
    }

    [TestMethod]
    public void UndefinedLengthUnknownElementIsAnImplicitSequence()
    {
        // PS3.5 6.2.2: UN with undefined length holds implicit VR little endian items, even in explicit data sets.
        var inner = new DatasetBuilder(explicitVR: false).Text(0x0008, 0x0100, "SH", "R-10226").ToArray();
        var content = new MemoryStream();
        content.Write([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        content.Write(inner);
        content.Write([0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        var bytes = new DatasetBuilder().Text(0x0008, 0x0060, "CS", "MG").Raw(0x0054, 0x0220, "UN", content.ToArray(), 0xFFFF_FFFF)
            .Text(0x0010, 0x0020, "LO", "after").ToArray();
        var ds = DicomFile.Parse(bytes, "un").Dataset;
        Assert.AreEqual("R-10226", ds.GetSequence(DicomTags.ViewCodeSequence)[0].GetString(DicomTags.CodeValue));
        Assert.AreEqual("after", ds.GetString(DicomTags.PatientId));
    }

    [TestMethod]
    public void DeepNestingIsRefused()
    {
        var builder = new DatasetBuilder().Text(0x0008, 0x0060, "CS", "MG");
        Action<DatasetBuilder> nest = _ => { };
        for (int depth = 0; depth < DicomDatasetParser.MaxDepth + 5; depth++)
        {
            var inner = nest;
            nest = item => item.Sequence(0x0009, 0x1010, undefinedLength: true, inner);
        }
        nest(builder);
        var e = Assert.ThrowsExactly<DicomFormatException>(() => DicomFile.Parse(builder.ToArray(), "deep"));
        StringAssert.Contains(e.Message, "nests deeper");
        StringAssert.StartsWith(e.Message, "deep:");
    }

    [TestMethod]
    public void LengthBeyondTheDataIsRefusedWithTagAndOffset()
    {
        var bytes = new DatasetBuilder().Text(0x0008, 0x0060, "CS", "MG").Raw(0x0010, 0x0020, "UT", "abcd"u8, lengthOverride: 0xFFFF_FFF0).ToArray();
        var e = Assert.ThrowsExactly<DicomFormatException>(() => DicomFile.Parse(bytes, "huge.dcm"));
        StringAssert.Contains(e.Message, "(0010,0020)");
        StringAssert.Contains(e.Message, "offset 10");
        StringAssert.StartsWith(e.Message, "huge.dcm:");
    }

    [TestMethod]
    public void OddLengthValuesAreReadAsWritten()
    {
        // DCMTK accepts odd lengths with a warning; so do we, and the next element still lines up.
        var bytes = new DatasetBuilder().Raw(0x0008, 0x0060, "CS", "MG"u8).Raw(0x0010, 0x0020, "LO", "ABC"u8).UShort(0x0028, 0x0010, 7).ToArray();
        var ds = DicomFile.Parse(bytes, "odd").Dataset;
        Assert.AreEqual("ABC", ds.GetString(DicomTags.PatientId));
        Assert.AreEqual(7, ds.GetInt(DicomTags.Rows));
    }

    [TestMethod]
    [DataRow("ISO_IR 100", "iso-8859-1")]
    [DataRow("ISO_IR 192", "utf-8")]
    public void TextIsDecodedWithTheSpecificCharacterSet(string characterSet, string encodingName)
    {
        var encoding = Encoding.GetEncoding(encodingName);
        var bytes = new DatasetBuilder().Text(0x0008, 0x0005, "CS", characterSet).Text(0x0010, 0x0020, "LO", "Müller^Zoë", encoding).ToArray();
        Assert.AreEqual("Müller^Zoë", DicomFile.Parse(bytes, "charset").Dataset.GetString(DicomTags.PatientId));
    }

    [TestMethod]
    public void PrivateElementsAreKept()
    {
        var bytes = new DatasetBuilder().Text(0x0009, 0x0010, "LO", "ACME 1.0").Raw(0x0009, 0x1001, "OB", [1, 2, 3, 4]).ToArray();
        var element = DicomFile.Parse(bytes, "private").Dataset.Find(new DicomTag(0x0009, 0x1001));
        Assert.IsNotNull(element);
        Assert.IsTrue(element.Tag.IsPrivate);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3, 4 }, element.Value.ToArray());
    }

    [TestMethod]
    public void UnclosedUndefinedLengthItemIsRefused()
    {
        var bytes = new DatasetBuilder().Text(0x0008, 0x0060, "CS", "MG").ToArray()
            .Concat(new byte[] { 0x54, 0x00, 0x20, 0x02, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF }).ToArray();
        Assert.ThrowsExactly<DicomFormatException>(() => DicomFile.Parse(bytes, "unclosed"));
    }

    [TestMethod]
    public void MissingFileIsADicomException()
    {
        var e = Assert.ThrowsExactly<DicomException>(() => DicomFile.Open("/nonexistent/missing.dcm"));
        StringAssert.StartsWith(e.Message, "/nonexistent/missing.dcm");
    }
}
