using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Pixels;
using Laterality = MaMA.MLNet.Data.Manifest.Laterality;

namespace MaMA.MLNet.Data.Tests.Manifest;

[TestClass]
public sealed class DicomFolderManifestTests
{
    private static readonly PhantomOptions Small = new() { Width = 64, Height = 80, Seed = 11 };
    private string _folder = "";

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("mama-dicom-folder-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void RecordsFromHeaders_EqualThePhantomsRecords_InTheFieldsHeadersHold()
    {
        var generator = new PhantomGenerator(Small);
        var written = generator.WriteDataset(_folder, 3, generator.CreateDicomWriter());
        var result = new DicomFolderManifestSource(_folder).Load();

        Assert.IsEmpty(result.Problems, string.Join("\n", result.Problems));
        var expected = written.OrderBy(r => r.ImagePath, StringComparer.Ordinal)
            .Select(r => r with
            {
                // Labels, race and ethnicity are not in image headers; everything else comes back.
                Race = null, Ethnicity = null, Density = null, BiRads = null, MassShape = null, MassMargin = null, MassDensity = null,
                CalcificationType = null, CalcificationDistribution = null, Cancer = null, Split = null,
            }).ToArray();
        CollectionAssert.AreEqual(expected, result.Records.ToArray());
        Assert.IsTrue(result.Records.All(r => r.Reason is not null && r.ImageType == "2D"));
    }

    [TestMethod]
    public void UnreadableFilesAreReported_OtherFilesIgnored_AndTheRestRead()
    {
        var generator = new PhantomGenerator(Small);
        var written = generator.WriteDataset(Path.Combine(_folder, "set"), 1, generator.CreateDicomWriter());
        byte[] good = File.ReadAllBytes(written[0].ImagePath);
        File.WriteAllBytes(Path.Combine(_folder, "truncated.dcm"), good[..300]);
        // Cut inside the pixel data: the header is whole, so the file is listed (its pixels fail when loaded).
        File.WriteAllBytes(Path.Combine(_folder, "pixels-cut.dcm"), good[..(good.Length / 2)]);
        File.WriteAllText(Path.Combine(_folder, "notes.dcm"), "not a DICOM file");
        File.WriteAllText(Path.Combine(_folder, "readme.txt"), "ignored: neither named nor shaped like DICOM");
        // Extension-less DICOM is found by its content.
        File.WriteAllBytes(Path.Combine(_folder, "IM0001"), good);

        var result = new DicomFolderManifestSource(_folder).Load();

        Assert.HasCount(6, result.Records);
        Assert.AreEqual(Path.Combine(_folder, "IM0001"), result.Records[0].ImagePath);
        Assert.AreEqual(Path.Combine(_folder, "pixels-cut.dcm"), result.Records[1].ImagePath);
        Assert.AreEqual(written[0].PatientId, result.Records[1].PatientId);
        Assert.AreEqual(written[0] with { ImagePath = result.Records[0].ImagePath, Race = null, Ethnicity = null, Density = null, BiRads = null, Cancer = null, Split = null,
            MassShape = null, MassMargin = null, MassDensity = null, CalcificationType = null, CalcificationDistribution = null }, result.Records[0]);
        CollectionAssert.AreEqual(new[] { "notes.dcm", "truncated.dcm" }, result.Problems.Select(p => Path.GetFileName(p.File)).ToArray());
        foreach (var problem in result.Problems)
        {
            Assert.AreEqual(0, problem.Line);
            StringAssert.StartsWith(problem.ToString(), problem.File + ": ", "a file-level problem names the file, not a line");
            StringAssert.Contains(problem.Problem, problem.File, "the reader's message names the file");
        }
    }

    [TestMethod]
    public void StudyFallsBackToTheStudyInstanceUid_AndAMissingPatientIdIsAProblem()
    {
        var frame = new GrayscaleFrame(4, 4, new int[16], 12, false);
        DicomWriter.WriteMammogram(Path.Combine(_folder, "a.dcm"), frame,
            new MammographyHeader { PatientId = "P1", StudyInstanceUid = "1.2.3", Laterality = Imaging.Laterality.Right, View = "XCCL", PatientAgeYears = 49 },
            new PixelPresentation(), attributes: new DicomMammographyAttributes { StudyDescription = "MG Diagnostic Left" });
        DicomWriter.WriteMammogram(Path.Combine(_folder, "b.dcm"), frame, new MammographyHeader { StudyInstanceUid = "1.2.4" }, new PixelPresentation());

        var result = new DicomFolderManifestSource(_folder).Load();

        var record = result.Records.Single();
        Assert.AreEqual(("P1", "1.2.3", Laterality.Right, "XCCL", 49, ExamReason.Diagnostic), (record.PatientId, record.StudyId, record.Laterality!.Value, record.View, record.Age!.Value, record.Reason!.Value));
        var problem = result.Problems.Single();
        Assert.AreEqual(Path.Combine(_folder, "b.dcm"), problem.File);
        StringAssert.Contains(problem.Problem, "Patient ID");
    }

    [TestMethod]
    public void Bounds_TooManyFilesThrows_DepthIsLimited()
    {
        var generator = new PhantomGenerator(Small);
        var written = generator.WriteDataset(_folder, 1, generator.CreateDicomWriter());

        var e = Assert.ThrowsExactly<ManifestFormatException>(() => new DicomFolderManifestSource(_folder, new DicomFolderReadOptions { MaxFiles = 3 }).Load());
        StringAssert.Contains(e.Message, "more than 3 files");

        // Images lie two levels down (images/S000001/); depth 1 reaches images/ only.
        Assert.IsEmpty(new DicomFolderManifestSource(_folder, new DicomFolderReadOptions { MaxDepth = 1 }).Load().Records);
        Assert.HasCount(written.Count, new DicomFolderManifestSource(_folder, new DicomFolderReadOptions { MaxDepth = 2 }).Load().Records);

        var missing = Assert.ThrowsExactly<ManifestFormatException>(() => new DicomFolderManifestSource(Path.Combine(_folder, "nope")).Load());
        StringAssert.Contains(missing.Message, "does not exist");
    }
}
