using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.TestSupport;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

[TestClass]
public sealed class DicomWriterTests
{
    private static readonly MammographyHeader Header = new()
    {
        PatientId = "PHANTOM-7",
        StudyInstanceUid = "1.2.826.0.1.3680043.10.1",
        SeriesInstanceUid = "1.2.826.0.1.3680043.10.2",
        SopInstanceUid = "1.2.826.0.1.3680043.10.3",
        Modality = "MG",
        Laterality = Laterality.Right,
        View = "MLO",
        PatientAgeYears = 57,
        Manufacturer = "MaMA",
        ManufacturerModelName = "Phantom",
        PixelSpacingMm = (0.07, 0.065),
        PresentationIntent = PresentationIntent.ForPresentation,
        BreastImplantPresent = false,
    };

    private static readonly PixelPresentation Presentation = new()
    {
        PhotometricInterpretation = "MONOCHROME1",
        Windows = [new WindowSetting(2047.5, 4096, "FULL"), new WindowSetting(1500, 800.25, "SOFT")],
        VoiLutFunction = VoiLutFunction.Sigmoid,
        VoiLuts = [new LookupTable(0, 16, [0, 100, 65535], "CURVE")],
        ModalityLut = new LookupTable(-2, 12, [5, 6, 7, 4095], "MOD"),
        PresentationLutShape = "IDENTITY",
    };

    [TestMethod]
    [DataRow(12, false, DicomWriterCompression.None)]
    [DataRow(16, true, DicomWriterCompression.None)]
    [DataRow(8, false, DicomWriterCompression.None)]
    [DataRow(12, false, DicomWriterCompression.Rle)]
    [DataRow(16, true, DicomWriterCompression.Rle)]
    public void MammogramReadsBack(int bitsStored, bool signed, DicomWriterCompression compression)
    {
        var frame = SyntheticImages.Create(bitsStored, signed);
        var stream = new MemoryStream();
        DicomWriter.WriteMammogram(stream, frame, Header, Presentation, compression);
        stream.Position = 0;
        var mammogram = new DicomMammogramDecoder().Decode(stream, "written");

        CollectionAssert.AreEqual(frame.StoredValues, mammogram.Frame.StoredValues);
        Assert.AreEqual(frame.BitsStored, mammogram.Frame.BitsStored);
        Assert.AreEqual(signed, mammogram.Frame.IsSigned);
        var header = mammogram.Header;
        Assert.AreEqual(Header with
        {
            Rows = frame.Height, Columns = frame.Width, BitsAllocated = bitsStored <= 8 ? 8 : 16, BitsStored = bitsStored, HighBit = bitsStored - 1,
            IsSigned = signed, PhotometricInterpretation = "MONOCHROME1", TransferSyntaxUid = header.TransferSyntaxUid,
        }, header);
        Assert.AreEqual(compression == DicomWriterCompression.Rle ? DicomTransferSyntax.RleLossless.Uid : DicomTransferSyntax.ExplicitVRLittleEndian.Uid, header.TransferSyntaxUid);

        var presentation = mammogram.Presentation;
        Assert.AreEqual("MONOCHROME1", presentation.PhotometricInterpretation);
        CollectionAssert.AreEqual(Presentation.Windows.ToList(), presentation.Windows.ToList());
        Assert.AreEqual(VoiLutFunction.Sigmoid, presentation.VoiLutFunction);
        Assert.AreEqual("IDENTITY", presentation.PresentationLutShape);
        Assert.HasCount(1, presentation.VoiLuts);
        CollectionAssert.AreEqual(new ushort[] { 0, 100, 65535 }, presentation.VoiLuts[0].Entries);
        Assert.AreEqual("CURVE", presentation.VoiLuts[0].Explanation);
        Assert.IsNotNull(presentation.ModalityLut);
        CollectionAssert.AreEqual(new ushort[] { 5, 6, 7, 4095 }, presentation.ModalityLut.Entries);
        Assert.AreEqual(signed ? -2 : 65534, presentation.ModalityLut.FirstMappedValue, "first mapped value is signed only for signed pixels (US/SS ambiguity)");
    }

    [TestMethod]
    public void RescaleIsWrittenWhenThereIsNoModalityLut()
    {
        var frame = SyntheticImages.Create(12, false, 8, 8);
        var stream = new MemoryStream();
        DicomWriter.WriteMammogram(stream, frame, new MammographyHeader(), new PixelPresentation { RescaleSlope = 0.5, RescaleIntercept = -1024 });
        var presentation = PixelPresentationReader.Read(DicomFile.Parse(stream.ToArray(), "rescale").Dataset);
        Assert.AreEqual(0.5, presentation.RescaleSlope);
        Assert.AreEqual(-1024, presentation.RescaleIntercept);
    }

    [TestMethod]
    public void ValuesOutsideTheStoredRangeAreRefused()
    {
        var frame = new GrayscaleFrame(2, 1, [0, 4096], 12, false);
        Assert.ThrowsExactly<ArgumentException>(() => DicomWriter.WriteMammogram(new MemoryStream(), frame, new MammographyHeader(), PixelPresentation.Identity));
    }

    [TestMethod]
    [DataRow(16, true)]
    [DataRow(8, false)]
    public void DcmtkDecodesOurRleAndReadsOurFile(int bitsStored, bool signed)
    {
        // An independent decoder for our RLE encoder: dcmdrle turns it back into native pixel data.
        var frame = SyntheticImages.Create(bitsStored, signed);
        string folder = Directory.CreateTempSubdirectory("mama-dicom-").FullName;
        try
        {
            string rle = Path.Combine(folder, "rle.dcm"), native = Path.Combine(folder, "native.dcm");
            DicomWriter.WriteMammogram(rle, frame, Header, PixelPresentation.Identity, DicomWriterCompression.Rle);
            ExternalTools.RunChecked("dcmdrle", rle, native);
            var file = DicomFile.Open(native);
            Assert.AreEqual(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, file.TransferSyntax.Uid);
            CollectionAssert.AreEqual(frame.StoredValues, DicomPixelDecoder.DecodeFrame(file, 0));
            Assert.AreEqual("PHANTOM-7", file.Dataset.GetString(DicomTags.PatientId));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [DataRow(0.5, "006M")]
    [DataRow(57.0, "057Y")]
    [DataRow(21 / 365.25, "003W")]
    [DataRow(3 / 365.25, "003D")]
    public void AgesAreFormattedAsAgeStrings(double years, string expected) => Assert.AreEqual(expected, DicomWriter.FormatAge(years));

    [TestMethod]
    public void ElementsAreInAscendingTagOrder_AndTheAttributesReadBack()
    {
        var frame = SyntheticImages.Create(12, false, 8, 8);
        var attributes = new DicomMammographyAttributes
        {
            PatientName = "DOE^JANE", PatientBirthDate = new DateOnly(1960, 2, 29), PatientSex = "F", PatientComments = "Race: Asian",
            StudyDateTime = new DateTime(2021, 3, 4, 9, 8, 7), StudyId = "S1", AccessionNumber = "A123", StudyDescription = "MG Screening Bilateral",
            SeriesNumber = 3, SeriesDescription = "screen", InstanceNumber = 12, PatientOrientation = @"P\FL", DetectorType = "DIRECT",
        };
        var stream = new MemoryStream();
        DicomWriter.WriteMammogram(stream, frame, Header, Presentation, attributes: attributes);
        var file = DicomFile.Parse(stream.ToArray(), "attributes");
        var tags = file.Dataset.Elements.Select(e => e.Tag.Value).ToList();
        CollectionAssert.AreEqual(tags.Order().ToList(), tags, "a data set is sorted by tag");
        Assert.AreEqual(tags.Count, tags.Distinct().Count());

        var ds = file.Dataset;
        Assert.AreEqual("DOE^JANE", ds.GetString(DicomTags.PatientName));
        Assert.AreEqual("19600229", ds.GetString(DicomTags.PatientBirthDate));
        Assert.AreEqual("20210304", ds.GetString(DicomTags.StudyDate));
        Assert.AreEqual("090807", ds.GetString(DicomTags.StudyTime));
        Assert.AreEqual("20210304", ds.GetString(DicomTags.ContentDate), "content date defaults to the study's");
        Assert.AreEqual("A123", ds.GetString(DicomTags.AccessionNumber));
        Assert.AreEqual(12, ds.GetInt(DicomTags.InstanceNumber));
        CollectionAssert.AreEqual(new[] { "P", "FL" }, ds.GetStrings(DicomTags.PatientOrientation));
        Assert.AreEqual("MAMMOGRAPHIC", ds.GetString(DicomTags.PositionerType));
        Assert.AreEqual("BREAST", ds.GetString(DicomTags.OrganExposed));
        var view = ds.GetSequence(DicomTags.ViewCodeSequence).Single();
        Assert.AreEqual(("399368009", "SCT", "medio-lateral oblique"), (view.GetString(DicomTags.CodeValue), view.GetString(DicomTags.CodingSchemeDesignator), view.GetString(DicomTags.CodeMeaning)));
        Assert.IsTrue(view.Contains(DicomTags.ViewModifierCodeSequence), "the modifier sequence is Type 2 inside the view code item");
        Assert.AreEqual("76752008", ds.GetSequence(DicomTags.AnatomicRegionSequence).Single().GetString(DicomTags.CodeValue));

        // Without attributes the Type 2 elements are still there, empty.
        var bare = new MemoryStream();
        DicomWriter.WriteMammogram(bare, frame, new MammographyHeader(), PixelPresentation.Identity);
        var bareSet = DicomFile.Parse(bare.ToArray(), "bare").Dataset;
        foreach (var tag in new[] { DicomTags.PatientName, DicomTags.PatientId, DicomTags.PatientBirthDate, DicomTags.PatientSex, DicomTags.StudyDate, DicomTags.AccessionNumber, DicomTags.SeriesNumber, DicomTags.InstanceNumber })
        {
            Assert.IsTrue(bareSet.Contains(tag), tag.ToString());
            Assert.IsNull(bareSet.GetString(tag), tag.ToString());
        }
    }

    [TestMethod]
    public void UidsFromNames_AreStable_Distinct_AndValid()
    {
        string a = DicomWriter.UidFromName("study/1"), b = DicomWriter.UidFromName("study/1"), c = DicomWriter.UidFromName("study/2");
        Assert.AreEqual(a, b);
        Assert.AreNotEqual(a, c);
        foreach (var uid in new[] { a, c })
        {
            StringAssert.StartsWith(uid, "2.25.");
            Assert.IsLessThanOrEqualTo(64, uid.Length);
            var value = System.Numerics.BigInteger.Parse(uid["2.25.".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsLessThan(System.Numerics.BigInteger.Pow(2, 128), value);
            // The UUID's version nibble (bits 76-79 from the low end) is 8 and its variant bits are 10.
            Assert.AreEqual(8, (int)((value >> 76) & 0xF));
            Assert.AreEqual(2, (int)((value >> 62) & 0x3));
            Assert.IsFalse(uid["2.25.".Length..].StartsWith('0'));
        }
    }

    [TestMethod]
    [DataRow("CC")]
    [DataRow("MLO")]
    [DataRow("ML")]
    [DataRow("LM")]
    [DataRow("XCCL")]
    [DataRow("XCCM")]
    [DataRow("LMO")]
    public void ViewCodesWrittenAreViewCodesRead(string view)
    {
        var code = MammographyViewCodes.ToCode(view);
        Assert.IsNotNull(code);
        Assert.AreEqual(view, MammographyViewCodes.FromCode(code.Value.Value, null), "by value");
        Assert.AreEqual(view, MammographyViewCodes.FromCode("unknown", code.Value.Meaning), "by meaning");
    }
}
