using System.Text.RegularExpressions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.TestSupport;
using Laterality = MaMA.MLNet.Data.Manifest.Laterality;

namespace MaMA.MLNet.Data.Tests.Dicom;

[TestClass]
public sealed partial class DicomPhantomWriterTests
{
    private static readonly PhantomOptions Small = new() { Width = 96, Height = 120, Seed = 7 };
    private static string _folder = "";
    private static IReadOnlyList<MammogramRecord> _records = [];

    [ClassInitialize]
    public static void WriteSet(TestContext _)
    {
        _folder = Directory.CreateTempSubdirectory("mama-dicom-phantom-").FullName;
        var generator = new PhantomGenerator(Small);
        _records = generator.WriteDataset(Path.Combine(_folder, "plain"), 2, generator.CreateDicomWriter());
    }

    [ClassCleanup]
    public static void DeleteSet() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void ManifestPointsAtDicomFiles_ThatReadBackWithTheSamePixelsAndHeader()
    {
        var generator = new PhantomGenerator(Small);
        var manifest = MammogramManifestReader.Read(Path.Combine(_folder, "plain", "manifest.csv"));
        CollectionAssert.AreEqual(_records.ToArray(), manifest.Records.ToArray());
        StringAssert.Contains(File.ReadAllText(Path.Combine(_folder, "plain", "manifest.csv")), "\nimages/S000001/L_CC.dcm,P000001,S000001,L,CC,");
        for (int i = 0; i < manifest.Records.Count; i++)
        {
            MammogramRecord record = manifest.Records[i];
            var expected = generator.Generate(i / 4).Images[i % 4];
            Mammogram read = MammogramReader.Read(record.ImagePath);
            CollectionAssert.AreEqual(expected.Frame.StoredValues, read.Frame.StoredValues, record.ImagePath);
            Assert.AreEqual(12, read.Frame.BitsStored);

            MammographyHeader h = read.Header;
            Assert.AreEqual(record.PatientId, h.PatientId);
            Assert.AreEqual(record.Laterality == Laterality.Left ? Imaging.Laterality.Left : Imaging.Laterality.Right, h.Laterality);
            Assert.AreEqual(record.View, h.View);
            Assert.AreEqual((double)record.Age!, h.PatientAgeYears);
            Assert.AreEqual("MG", h.Modality);
            Assert.AreEqual(PresentationIntent.ForPresentation, h.PresentationIntent);
            Assert.AreEqual("MONOCHROME2", h.PhotometricInterpretation);
            Assert.AreEqual((16, 12, 11, false), (h.BitsAllocated, h.BitsStored, h.HighBit, h.IsSigned));
            Assert.AreEqual((120, 96), (h.Rows, h.Columns));
            Assert.AreEqual(240.0 / 96, h.PixelSpacingMm!.Value.Row, 1e-12);
            Assert.AreEqual(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, h.TransferSyntaxUid);

            // The window spans the image's values, so the default display uses the whole range.
            var window = read.Presentation.Windows.Single();
            int min = expected.Frame.StoredValues.Min(), max = expected.Frame.StoredValues.Max();
            Assert.AreEqual((min + max) / 2.0, window.Center);
            Assert.AreEqual(max - min + 1, window.Width);
            Assert.AreEqual("IDENTITY", read.Presentation.PresentationLutShape);

            // Fields the typed header does not hold, read from the data set.
            var ds = DicomFile.Open(record.ImagePath).Dataset;
            Assert.AreEqual("1.2.840.10008.5.1.4.1.1.1.2", ds.GetString(DicomTags.SopClassUid));
            Assert.AreEqual(record.StudyId, ds.GetString(DicomTags.AccessionNumber));
            Assert.AreEqual(record.Procedure, ds.GetString(DicomTags.StudyDescription));
            Assert.AreEqual("F", ds.GetString(DicomTags.PatientSex));
            Assert.AreEqual($"Race: {record.Race}; Ethnicity: {record.Ethnicity}", ds.GetString(DicomTags.PatientComments));
            Assert.AreEqual((i % 4) + 1, ds.GetInt(DicomTags.InstanceNumber));
            string[] orientation = ds.GetStrings(DicomTags.PatientOrientation);
            Assert.AreEqual(record.Laterality == Laterality.Left ? "A" : "P", orientation[0], "rows run toward the nipple on the left breast, toward the chest wall on the right");
            var viewCode = ds.GetSequence(DicomTags.ViewCodeSequence).Single();
            Assert.AreEqual(record.View, MammographyViewCodes.FromCode(viewCode.GetString(DicomTags.CodeValue), null), "the code value alone names the view");
            Assert.AreEqual("SCT", viewCode.GetString(DicomTags.CodingSchemeDesignator));
        }
    }

    [TestMethod]
    public void StudiesShareStudyAndSeriesUids_AndEveryImageHasItsOwnSopInstanceUid()
    {
        var headers = _records.Select(r => MammogramReader.Read(r.ImagePath).Header).ToList();
        foreach (var study in headers.GroupBy(h => h.PatientId))
        {
            Assert.AreEqual(1, study.Select(h => h.StudyInstanceUid).Distinct().Count());
            Assert.AreEqual(1, study.Select(h => h.SeriesInstanceUid).Distinct().Count());
        }
        Assert.AreEqual(2, headers.Select(h => h.StudyInstanceUid).Distinct().Count());
        Assert.AreEqual(8, headers.Select(h => h.SopInstanceUid).Distinct().Count());
        var all = headers.SelectMany(h => new[] { h.StudyInstanceUid!, h.SeriesInstanceUid!, h.SopInstanceUid! }).ToList();
        Assert.AreEqual(2 + 2 + 8, all.Distinct().Count(), "study and series UIDs repeat within a study only, and never equal an instance UID");
        foreach (string uid in all)
        {
            Assert.IsLessThanOrEqualTo(64, uid.Length, uid);
            Assert.IsTrue(UidPattern().IsMatch(uid), uid);
        }
    }

    [TestMethod]
    public void SameSeed_GivesIdenticalFiles_OtherSeedOtherUidsAndPixels()
    {
        string Write(PhantomOptions o, string name)
        {
            var generator = new PhantomGenerator(o);
            var study = generator.Generate(1);
            string path = Path.Combine(_folder, name);
            generator.CreateDicomWriter().Write(path, study.Images[2].Frame, study.Study.Record(Laterality.Right, "CC", path));
            return path;
        }
        byte[] a = File.ReadAllBytes(Write(Small, "a.dcm"));
        byte[] b = File.ReadAllBytes(Write(Small, "b.dcm"));
        CollectionAssert.AreEqual(a, b);
        string c = Write(Small with { Seed = 8 }, "c.dcm");
        var first = MammogramReader.Read(Path.Combine(_folder, "a.dcm"));
        var other = MammogramReader.Read(c);
        Assert.AreEqual(first.Header.PatientId, other.Header.PatientId, "the phantom numbers patients the same way in every seed");
        Assert.AreNotEqual(first.Header.StudyInstanceUid, other.Header.StudyInstanceUid);
        Assert.AreNotEqual(first.Header.SopInstanceUid, other.Header.SopInstanceUid);
        CollectionAssert.AreNotEqual(first.Frame.StoredValues, other.Frame.StoredValues);
    }

    [TestMethod]
    public void RleFiles_HoldTheSamePixels_AndGdcmDecodesThemToTheSameValues()
    {
        var generator = new PhantomGenerator(Small);
        var records = generator.WriteDataset(Path.Combine(_folder, "rle"), 1, generator.CreateDicomWriter(DicomWriterCompression.Rle));
        for (int k = 0; k < records.Count; k++)
        {
            var read = MammogramReader.Read(records[k].ImagePath);
            Assert.AreEqual(DicomTransferSyntax.RleLossless.Uid, read.Header.TransferSyntaxUid);
            CollectionAssert.AreEqual(generator.Generate(0).Images[k].Frame.StoredValues, read.Frame.StoredValues);

            // GDCM's RLE decoder is independent of ours: its uncompressed output must hold the same values.
            string raw = Path.Combine(_folder, $"rle-raw-{k}.dcm");
            ExternalTools.RunChecked("gdcmconv", "--raw", records[k].ImagePath, raw);
            var decoded = MammogramReader.Read(raw);
            Assert.AreEqual(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, decoded.Header.TransferSyntaxUid);
            CollectionAssert.AreEqual(read.Frame.StoredValues, decoded.Frame.StoredValues);
        }
    }

    [TestMethod]
    public void Dciodvfy_FindsNoErrorInTheMammographyIod()
    {
        foreach (var record in _records)
        {
            var (_, output) = ExternalTools.Run("dciodvfy", record.ImagePath);
            StringAssert.Contains(output, "MammographyImageForPresentation", "dciodvfy recognised the IOD");
            var complaints = output.Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Warning", StringComparison.Ordinal)).ToList();
            // View Position's defined terms are the general DX ones (AP, PA, ...); mammography units and EMBED
            // write CC/MLO there anyway, and readers (ours too) look there first, so that warning is expected.
            var unexpected = complaints.Where(l => !l.Contains("attribute <View Position>", StringComparison.Ordinal)).ToList();
            Assert.IsEmpty(unexpected, $"{record.ImagePath}:\n{output}");
        }
    }

    [TestMethod]
    public void DcmtkAndGdcm_ReadTheHeaderValuesWeWrote()
    {
        var record = _records[3]; // R-MLO of the first study
        string dump = ExternalTools.RunChecked("dcmdump", "+P", "0010,0020", "+P", "0020,0062", "+P", "0018,5101", "+P", "0010,1010",
            "+P", "0008,0050", "+P", "0028,0004", "+P", "0028,0101", "+P", "0020,0020", record.ImagePath);
        StringAssert.Contains(dump, $"[{record.PatientId}]");
        StringAssert.Contains(dump, "(0020,0062) CS [R]");
        StringAssert.Contains(dump, "(0018,5101) CS [MLO]");
        StringAssert.Contains(dump, $"(0010,1010) AS [{record.Age:000}Y]");
        StringAssert.Contains(dump, $"(0008,0050) SH [{record.StudyId}]");
        StringAssert.Contains(dump, "[MONOCHROME2]");
        StringAssert.Contains(dump, "(0028,0101) US 12");
        StringAssert.Contains(dump, @"(0020,0020) CS [P\FL]");

        string info = ExternalTools.RunChecked("gdcminfo", record.ImagePath);
        StringAssert.Contains(info, "MediaStorage is 1.2.840.10008.5.1.4.1.1.1.2 ");
        StringAssert.Contains(info, "Dimensions: (96,120,1)");
        StringAssert.Contains(info, "BitsStored         :12");
    }

    [TestMethod]
    public void SignedOrWideFrames_AreRefusedWithAClearMessage()
    {
        var writer = new DicomMammogramImageWriter();
        var record = _records[0];
        var signed = new Imaging.Pixels.GrayscaleFrame(2, 2, [0, -1, 2, 3], 12, true);
        var e = Assert.ThrowsExactly<ArgumentException>(() => writer.Write(Path.Combine(_folder, "signed.dcm"), signed, record));
        StringAssert.Contains(e.Message, "signed 12-bit");
    }

    [GeneratedRegex(@"^2\.25\.(0|[1-9][0-9]*)$")]
    private static partial Regex UidPattern();
}
