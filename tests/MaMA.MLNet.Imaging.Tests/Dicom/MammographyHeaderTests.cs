using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

[TestClass]
public sealed class MammographyHeaderTests
{
    private static MammographyHeader Read(Action<DatasetBuilder> build)
    {
        var builder = new DatasetBuilder();
        build(builder);
        builder.ImagePixelModule(4, 4, 16, 12, 11, false).Words(0x7FE0, 0x0010, new ushort[16]);
        return MammographyHeaderReader.Read(DicomFile.Parse(builder.ToArray(), "header"));
    }

    [TestMethod]
    [DataRow("045Y", 45.0)]
    [DataRow("006M", 0.5)]
    [DataRow("003W", 21 / 365.25)]
    [DataRow("010D", 10 / 365.25)]
    [DataRow("100Y", 100.0)]
    public void AgeStringsConvertToYears(string age, double years) =>
        Assert.AreEqual(years, MammographyHeaderReader.ParseAge(age)!.Value, 1e-12);

    [TestMethod]
    [DataRow("45")]
    [DataRow("")]
    [DataRow("04XY")]
    [DataRow("045Q")]
    public void MalformedAgesAreNull(string age) => Assert.IsNull(MammographyHeaderReader.ParseAge(age));

    [TestMethod]
    public void ViewPositionAndImageLateralityAreRead()
    {
        var header = Read(b => b.Text(0x0018, 0x5101, "CS", "MLO").Text(0x0020, 0x0060, "CS", "R").Text(0x0020, 0x0062, "CS", "L"));
        Assert.AreEqual("MLO", header.View);
        Assert.AreEqual(Laterality.Left, header.Laterality, "Image Laterality wins over Laterality");
    }

    [TestMethod]
    public void LateralityFallsBackToSeriesLaterality()
    {
        Assert.AreEqual(Laterality.Right, Read(b => b.Text(0x0020, 0x0060, "CS", "R")).Laterality);
    }

    [TestMethod]
    public void ViewPositionWithLateralityPrefixIsSplit()
    {
        var header = Read(b => b.Text(0x0018, 0x5101, "CS", "RCC"));
        Assert.AreEqual("CC", header.View);
        Assert.AreEqual(Laterality.Right, header.Laterality);
    }

    [TestMethod]
    [DataRow("R-10242", "SRT", "cranio-caudal", "CC")]
    [DataRow("R-10226", "SRT", "medio-lateral oblique", "MLO")]
    [DataRow("R-10224", "SRT", "medio-lateral", "ML")]
    [DataRow("R-10230", "SRT", "latero-medial", "LM")]
    [DataRow("R-1024A", "SRT", "cranio-caudal exaggerated laterally", "XCCL")]
    [DataRow("399368009", "SCT", "medio-lateral oblique", "MLO")]
    [DataRow("X-UNKNOWN", "99LOCAL", "Cranio-caudal exaggerated medially", "XCCM")]
    public void ViewCodeSequenceGivesTheView(string value, string scheme, string meaning, string view)
    {
        var header = Read(b => b.Sequence(0x0054, 0x0220, undefinedLength: false,
            item => item.Text(0x0008, 0x0100, "SH", value).Text(0x0008, 0x0102, "SH", scheme).Text(0x0008, 0x0104, "LO", meaning)));
        Assert.AreEqual(view, header.View);
    }

    [TestMethod]
    public void ViewModifierMeaningGivesLateralityWhenNothingElseDoes()
    {
        var header = Read(b => b.Sequence(0x0054, 0x0220, undefinedLength: true,
            item => item.Text(0x0008, 0x0100, "SH", "R-10242")
                        .Sequence(0x0054, 0x0222, undefinedLength: true, m => m.Text(0x0008, 0x0104, "LO", "Left breast"))));
        Assert.AreEqual(Laterality.Left, header.Laterality);
    }

    [TestMethod]
    public void ImagerPixelSpacingIsUsedWithoutPixelSpacing()
    {
        Assert.AreEqual((0.085, 0.07), Read(b => b.Text(0x0018, 0x1164, "DS", @"0.085\0.07")).PixelSpacingMm);
        Assert.AreEqual((0.1, 0.1), Read(b => b.Text(0x0018, 0x1164, "DS", @"0.085\0.07").Text(0x0028, 0x0030, "DS", @"0.1\0.1")).PixelSpacingMm);
    }

    [TestMethod]
    public void IntentImplantAndIdentifiersAreRead()
    {
        var header = Read(b => b.Text(0x0008, 0x0018, "UI", "1.2.3.4").Text(0x0008, 0x0060, "CS", "MG").Text(0x0008, 0x0068, "CS", "FOR PROCESSING")
            .Text(0x0008, 0x0070, "LO", "HOLOGIC, Inc.").Text(0x0010, 0x0020, "LO", "P1").Text(0x0010, 0x1010, "AS", "052Y")
            .Text(0x0028, 0x1300, "CS", "YES"));
        Assert.AreEqual("1.2.3.4", header.SopInstanceUid);
        Assert.AreEqual("MG", header.Modality);
        Assert.AreEqual(PresentationIntent.ForProcessing, header.PresentationIntent);
        Assert.AreEqual("HOLOGIC, Inc.", header.Manufacturer);
        Assert.AreEqual("P1", header.PatientId);
        Assert.AreEqual(52.0, header.PatientAgeYears);
        Assert.IsTrue(header.BreastImplantPresent);
        Assert.AreEqual(12, header.BitsStored);
    }

    [TestMethod]
    public void IntentFallsBackToTheSopClass()
    {
        var header = Read(b => b.Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.1.2"));
        Assert.AreEqual(PresentationIntent.ForPresentation, header.PresentationIntent);
    }
}
