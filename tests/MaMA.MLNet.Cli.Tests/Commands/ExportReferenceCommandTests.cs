using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Cli.Tests.Commands;

/// <summary>
/// <c>mama export-reference</c> as a person runs it (a child process through Program.cs): the folder the reference
/// reads, refusing to mix with an earlier export unless told (<c>--overwrite</c> replaces, <c>--resume</c> keeps), a
/// DATA_BASE_DIR the reference's path functions would break refused, and bad images as in the other batch commands.
/// (What the tables and images hold is checked in MaMA.MLNet.Data.Tests, ReferenceExportContractTests.)
/// </summary>
[TestClass]
public sealed class ExportReferenceCommandTests
{
    private static int ImageCount => File.ReadAllLines(CliFixture.Manifest).Length - 1;

    private static string NewFolder(string name) => Path.Combine(CliFixture.Directory, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private static string[] Jpegs(string folder) =>
        Directory.GetFiles(Path.Combine(folder, "EMBED_1080_JPG", "images"), "*_resized.jpg", SearchOption.AllDirectories);

    [TestMethod]
    public void Export_WritesTheTablesAndOneJpegPerImage_ThenRefusesToMixWithoutOverwriteOrResume()
    {
        string folder = NewFolder("reference");
        var run = CliProcess.Run("export-reference", "--manifest", CliFixture.Manifest, "--out", folder, "--long-side", "40");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());
        Assert.HasCount(ImageCount, Jpegs(folder));
        foreach (string table in new[] { "EMBED_OpenData_metadata_reduced_train.csv", "EMBED_OpenData_clinical.csv", "img_path2inter_side.pkl" })
            Assert.IsTrue(File.Exists(Path.Combine(folder, "Embed", "tables", table)), table);
        StringAssert.Contains(run.Output + run.Error, $"DATA_BASE_DIR = \"{Path.GetFullPath(folder)}\"", run.Describe());

        var again = CliProcess.Run("export-reference", "--manifest", CliFixture.Manifest, "--out", folder);
        Assert.AreEqual(ExitCodes.Usage, again.Code, again.Describe());
        StringAssert.Contains(again.Error, "--overwrite", again.Describe());

        // --overwrite removes what an export writes (a stray JPEG goes), --resume keeps it.
        string stray = Path.Combine(folder, "EMBED_1080_JPG", "images", "stray_resized.jpg");
        File.WriteAllBytes(stray, [1]);
        var resumed = CliProcess.Run("export-reference", "--manifest", CliFixture.Manifest, "--out", folder, "--long-side", "40", "--resume");
        Assert.AreEqual(ExitCodes.Success, resumed.Code, resumed.Describe());
        Assert.IsTrue(File.Exists(stray));
        var replaced = CliProcess.Run("export-reference", "--manifest", CliFixture.Manifest, "--out", folder, "--long-side", "40", "--overwrite");
        Assert.AreEqual(ExitCodes.Success, replaced.Code, replaced.Describe());
        Assert.IsFalse(File.Exists(stray));
        Assert.HasCount(ImageCount, Jpegs(folder));

        var both = CliProcess.Run("export-reference", "--manifest", CliFixture.Manifest, "--out", folder, "--resume", "--overwrite");
        Assert.AreEqual(ExitCodes.Usage, both.Code, both.Describe());
    }

    [TestMethod]
    public void AnEmptySplitTable_IsNamed()
    {
        // The reference's EmbedPretrainingDataset fails on a split table without rows (sent_lens.min() of nothing).
        string folder = NewFolder("one-split");
        Directory.CreateDirectory(folder);
        string manifest = Path.Combine(folder, "manifest.csv");
        MammogramManifestWriter.Write(manifest, MammogramManifestReader.Read(CliFixture.Manifest).Records.Select(r => r with { Split = DatasetSplit.Train }));
        var run = CliProcess.Run("export-reference", "--manifest", manifest, "--out", Path.Combine(folder, "out"), "--long-side", "40");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());
        StringAssert.Contains(run.Output + run.Error, "The valid table is empty", run.Describe());
        StringAssert.Contains(run.Output + run.Error, "The test table is empty", run.Describe());
        Assert.DoesNotContain("The train table is empty", run.Output + run.Error, run.Describe());
    }

    [TestMethod]
    public void ADataRootTheReferenceWouldMangle_IsAUsageError()
    {
        var run = CliProcess.Run("export-reference", "--manifest", CliFixture.Manifest, "--out", NewFolder("root"), "--data-root", "/data/Embed");
        Assert.AreEqual(ExitCodes.Usage, run.Code, run.Describe());
        StringAssert.Contains(run.Error, "\"Embed\"", run.Describe());
        Assert.IsFalse(run.Error.Contains("   at ", StringComparison.Ordinal), run.Describe());
    }

    [TestMethod]
    public void ABadImage_FailsWithOneLineNamingIt_OrIsSkippedAndListed()
    {
        string folder = NewFolder("bad-reference");
        Directory.CreateDirectory(folder);
        var lines = File.ReadAllLines(CliFixture.Manifest);
        int pathColumn = Array.IndexOf(lines[0].Split(','), "image_path");
        string corrupt = Path.Combine(folder, "corrupt.png");
        File.WriteAllText(corrupt, "this is not an image");
        string dataFolder = Path.GetDirectoryName(CliFixture.Manifest)!;
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            cells[pathColumn] = i == 3 ? corrupt : Path.GetFullPath(Path.Combine(dataFolder, cells[pathColumn]));
            lines[i] = string.Join(",", cells);
        }
        string manifest = Path.Combine(folder, "manifest.csv");
        File.WriteAllLines(manifest, lines);

        var failed = CliProcess.Run("export-reference", "--manifest", manifest, "--out", Path.Combine(folder, "fail"), "--long-side", "40");
        Assert.AreEqual(ExitCodes.BadInput, failed.Code, failed.Describe());
        var errorLines = failed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("progress ", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, errorLines, failed.Describe());
        StringAssert.Contains(errorLines[0], corrupt, failed.Describe());

        string output = Path.Combine(folder, "skip");
        var skipped = CliProcess.Run("export-reference", "--manifest", manifest, "--out", output, "--long-side", "40", "--on-bad-image", "skip");
        Assert.AreEqual(ExitCodes.Success, skipped.Code, skipped.Describe());
        Assert.HasCount(ImageCount - 1, Jpegs(output));
        string list = Path.Combine(folder, "skip.bad-images.csv");
        Assert.IsTrue(File.Exists(list), skipped.Describe());
        // The list's format is the other batch commands' (BadImagePolicy.WriteList): a path,reason header, one row per image.
        var listed = File.ReadAllLines(list);
        Assert.HasCount(2, listed, string.Join("\n", listed));
        Assert.AreEqual("path,reason", listed[0]);
        StringAssert.StartsWith(listed[1], CsvCell.Text(corrupt) + ",");
        Assert.IsGreaterThan(CsvCell.Text(corrupt).Length + 1, listed[1].Length, "the reason is written");
    }
}
