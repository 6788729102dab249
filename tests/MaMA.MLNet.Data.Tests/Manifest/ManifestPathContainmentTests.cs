using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Tests.Manifest;

/// <summary>
/// Relative image paths of a manifest stay inside its folder unless the reader is told otherwise; absolute paths
/// are read as written.
/// </summary>
[TestClass]
public sealed class ManifestPathContainmentTests
{
    private const string Header = "image_path,patient_id,study_id\n";

    private static readonly string Base = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "mama-containment", "data"));

    private static ManifestReadResult Read(string rows, ManifestReadOptions? options = null) =>
        MammogramManifestReader.Read(new StringReader(Header + rows), "m.csv", Base, options);

    [TestMethod]
    public void PathsThatLeaveTheFolderAreRefusedNamingTheRow()
    {
        foreach (string path in new[] { "../x.dcm", "images/../../x.dcm", "./../data-sibling/x.dcm", "a/b/../../../x.dcm", ".." })
        {
            var e = Assert.ThrowsExactly<ManifestFormatException>(() => Read($"ok.png,P,S\n{path},P,S\n"), path);
            Assert.AreEqual(3, e.Line, e.Message);
            Assert.AreEqual(ManifestColumns.ImagePath, e.Column, e.Message);
            StringAssert.Contains(e.Message, "leads out of the manifest's folder");
            StringAssert.Contains(e.Message, "--allow-outside-paths");
        }
    }

    [TestMethod]
    public void PathsThatStayInsideAreRead()
    {
        var records = Read("a.png,P,S\nimages/../b.png,P,S\n./c/d.png,P,S\n").Records;
        CollectionAssert.AreEqual(
            new[] { Path.Combine(Base, "a.png"), Path.Combine(Base, "b.png"), Path.Combine(Base, "c", "d.png") },
            records.Select(r => r.ImagePath).ToArray());
    }

    [TestMethod]
    public void AbsolutePathsAreReadAsWritten()
    {
        string outside = Path.GetFullPath(Path.Combine(Base, "..", "elsewhere", "x.dcm"));
        Assert.AreEqual(outside, Read($"{outside},P,S\n").Records.Single().ImagePath);
    }

    [TestMethod]
    public void TheOptionAllowsThem()
    {
        var options = new ManifestReadOptions { AllowPathsOutsideManifestFolder = true };
        Assert.AreEqual(Path.GetFullPath(Path.Combine(Base, "..", "x.dcm")), Read("../x.dcm,P,S\n", options).Records.Single().ImagePath);
    }

    [TestMethod]
    public void ASkippingReadListsTheRowAndKeepsTheOthers()
    {
        var result = Read("a.png,P,S\n../secret.dcm,P,S\n", new ManifestReadOptions { ThrowOnBadRow = false });
        Assert.HasCount(1, result.Records);
        Assert.AreEqual(3, result.Problems.Single().Line);
        StringAssert.Contains(result.Problems.Single().Problem, "leads out of the manifest's folder");
    }

    [TestMethod]
    public void AFolderWhoseNameStartsLikeTheManifestFolderIsStillOutside()
    {
        // "data-sibling" shares "data" as a prefix of its text: the check compares whole folder names.
        Assert.ThrowsExactly<ManifestFormatException>(() => Read("../data-sibling/x.dcm,P,S\n"));
    }

    [TestMethod]
    public void AManifestFileOnDiskResolvesAgainstItsOwnFolder()
    {
        string folder = Directory.CreateTempSubdirectory("mama-containment-").FullName;
        try
        {
            string manifest = Path.Combine(folder, "sub", "manifest.csv");
            Directory.CreateDirectory(Path.GetDirectoryName(manifest)!);
            File.WriteAllText(manifest, Header + "../x.png,P,S\n");
            Assert.ThrowsExactly<ManifestFormatException>(() => MammogramManifestReader.Read(manifest));
            Assert.HasCount(1, new CsvManifestSource(manifest, new ManifestReadOptions { AllowPathsOutsideManifestFolder = true }).Load().Records);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
