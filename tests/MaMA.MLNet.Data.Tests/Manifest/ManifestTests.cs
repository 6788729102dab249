using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Tests.Manifest;

[TestClass]
public sealed class ManifestTests
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "mama-manifest-tests");

    private static MammogramRecord Full(string path) => new()
    {
        ImagePath = path, PatientId = "P1", StudyId = "S1", Laterality = Laterality.Right, View = "MLO", ImageType = "2D",
        Procedure = "MG Diagnostic, left", Reason = ExamReason.Diagnostic, Age = 61, Race = "Caucasian or White",
        Ethnicity = "Non-Hispanic or Latino", Density = 3, BiRads = 4, MassShape = "irregular", MassMargin = "obscured",
        MassDensity = "high density", CalcificationType = "pleomorphic", CalcificationDistribution = "grouped", Cancer = true,
        Split = DatasetSplit.Validation,
    };

    [TestMethod]
    public void WriteThenRead_RoundTripsEveryField_WithQuotedCommasAndRelativePaths()
    {
        Directory.CreateDirectory(Folder);
        string manifest = Path.Combine(Folder, "roundtrip.csv");
        var records = new[]
        {
            Full(Path.Combine(Folder, "images", "a.png")),
            new MammogramRecord { ImagePath = Path.Combine(Folder, "b.png"), PatientId = "P2", StudyId = "S2", Race = "Unknown, \"quoted\"" },
        };
        MammogramManifestWriter.Write(manifest, records);

        string text = File.ReadAllText(manifest);
        StringAssert.StartsWith(text, "image_path,patient_id,study_id,");
        StringAssert.Contains(text, "\nimages/a.png,P1,S1,R,MLO,2D,\"MG Diagnostic, left\",diagnostic,61,");
        StringAssert.Contains(text, "\"Unknown, \"\"quoted\"\"\"");

        var read = MammogramManifestReader.Read(manifest);
        Assert.IsEmpty(read.Problems);
        CollectionAssert.AreEqual(records, read.Records.ToArray());
    }

    [TestMethod]
    public void Read_NormalisesLettersAndSynonyms()
    {
        const string csv = "Image_Path,patient_id,study_id,laterality,density,birads,split,view,cancer\n" +
                           "x.png,P,S,left,c,K,valid,mlo,1.0\n" +
                           "y.png,P,S,B,2,n,validation, xccl ,0\n";
        var r = MammogramManifestReader.Read(new StringReader(csv), "m.csv", "/data").Records;
        Assert.AreEqual(Laterality.Left, r[0].Laterality);
        Assert.AreEqual(3, r[0].Density);
        Assert.AreEqual(6, r[0].BiRads);
        Assert.AreEqual(DatasetSplit.Validation, r[0].Split);
        Assert.AreEqual("MLO", r[0].View);
        Assert.IsTrue(r[0].Cancer);
        Assert.AreEqual(Path.GetFullPath("/data/x.png"), r[0].ImagePath);
        Assert.AreEqual(Laterality.Bilateral, r[1].Laterality);
        Assert.AreEqual(1, r[1].BiRads);
        Assert.AreEqual("XCCL", r[1].View);
        Assert.IsFalse(r[1].Cancer);
        Assert.IsNull(r[1].Age);
    }

    [TestMethod]
    public void Read_BadValue_ThrowsNamingFileLineAndColumn()
    {
        const string csv = "image_path,patient_id,study_id,density\na.png,P,S,2\n\nb.png,P,S,E\n";
        var e = Assert.ThrowsExactly<ManifestFormatException>(() => MammogramManifestReader.Read(new StringReader(csv), "m.csv", "."));
        Assert.AreEqual("m.csv", e.File);
        Assert.AreEqual(4, e.Line); // the blank line 3 counts
        Assert.AreEqual("density", e.Column);
        StringAssert.Contains(e.Message, "m.csv, line 4, column 'density': 'E' is not valid; expected 1-4 or A-D.");
    }

    [TestMethod]
    public void Read_SkippingBadRows_ReportsEachAndKeepsTheRest()
    {
        const string csv = "image_path,patient_id,study_id,birads,age\n" +
                           "a.png,P,S,7,50\n" +   // line 2: BI-RADS out of range
                           "b.png,,S,1,50\n" +    // line 3: missing patient
                           "c.png,P,S,1\n" +      // line 4: short row
                           "\"d\n.png\",P,S,2,40\n" + // lines 5-6: a quoted line break is fine
                           "e.png,P,S,1,old\n";   // line 7: bad age
        var result = MammogramManifestReader.Read(new StringReader(csv), "m.csv", ".", new ManifestReadOptions { ThrowOnBadRow = false, ResolveImagePaths = false });
        Assert.HasCount(1, result.Records);
        Assert.AreEqual("d\n.png", result.Records[0].ImagePath);
        CollectionAssert.AreEqual(new[] { 2, 3, 4, 7 }, result.Problems.Select(p => p.Line).ToArray());
        CollectionAssert.AreEqual(new[] { "birads", "patient_id", null, "age" }, result.Problems.Select(p => p.Column).ToArray());
        StringAssert.Contains(result.Problems[2].Problem, "4 fields but the header has 5");
    }

    [TestMethod]
    public void Read_HeaderErrors_AlwaysThrow()
    {
        var lenient = new ManifestReadOptions { ThrowOnBadRow = false };
        var missing = Assert.ThrowsExactly<ManifestFormatException>(() => MammogramManifestReader.Read(new StringReader("image_path,patient_id\n"), "m.csv", ".", lenient));
        Assert.AreEqual("study_id", missing.Column);
        var twice = Assert.ThrowsExactly<ManifestFormatException>(() => MammogramManifestReader.Read(new StringReader("image_path,patient_id,study_id,Age,age\n"), "m.csv", ".", lenient));
        Assert.AreEqual("age", twice.Column);
        Assert.ThrowsExactly<ManifestFormatException>(() => MammogramManifestReader.Read(new StringReader(""), "m.csv", ".", lenient));
    }

    [TestMethod]
    public void CsvRowReader_UnterminatedQuoteAndTextAfterQuote_AreErrors()
    {
        var open = Assert.ThrowsExactly<ManifestFormatException>(() => new CsvRowReader(new StringReader("a,b\n\"x,y\n"), "t.csv").ReadAll().ToList());
        Assert.AreEqual(2, open.Line);
        var after = Assert.ThrowsExactly<ManifestFormatException>(() => new CsvRowReader(new StringReader("\"x\"y,z\n"), "t.csv").ReadAll().ToList());
        Assert.AreEqual("#1", after.Column);
    }

    [TestMethod]
    public void CsvRowReader_HandlesBomCrLfAndEscapedQuotes()
    {
        var rows = new CsvRowReader(new StringReader("\uFEFFa,\"b \"\"c\"\"\"\r\n,\r\nx,y"), "t.csv").ReadAll().ToList();
        Assert.HasCount(3, rows);
        CollectionAssert.AreEqual(new[] { "a", "b \"c\"" }, rows[0].Fields);
        CollectionAssert.AreEqual(new[] { "", "" }, rows[1].Fields);
        Assert.AreEqual(3, rows[2].Line);
    }

    [TestMethod]
    public void Read_MissingFile_ThrowsFileNotFound() =>
        Assert.ThrowsExactly<FileNotFoundException>(() => MammogramManifestReader.Read(Path.Combine(Folder, "nope.csv")));
}
