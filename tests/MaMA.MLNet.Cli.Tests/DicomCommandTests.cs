using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>`mama dicom` run in-process against the shared conformance set.</summary>
[TestClass]
public sealed class DicomCommandTests
{
    private static string ConformanceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "dicom-conformance"), Path.Combine(dir.FullName, "..", "shared", "dicom-conformance") })
            {
                if (File.Exists(Path.Combine(candidate, "manifest.json"))) return Path.GetFullPath(candidate);
            }
        }
        throw new DirectoryNotFoundException($"shared/dicom-conformance not found beside any folder above {AppContext.BaseDirectory}; it must sit beside the repository checkout");
    }

    private static (int ExitCode, string Output, string Error) Invoke(params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(new DicomCommand().Build());
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(root, args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [TestMethod]
    public void PixelsMatchesManifestHash()
    {
        string root = ConformanceRoot();
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "manifest.json")));
        var entry = manifest.RootElement.EnumerateArray().Single(e => e.GetProperty("file").GetString() == "emri_small_jpeg_ls_lossless.dcm");
        string output = Path.Combine(Path.GetTempPath(), $"mama-dicom-pixels-{Guid.NewGuid():N}.i32");
        try
        {
            var (code, _, error) = Invoke("dicom", "pixels", Path.Combine(root, "files", "emri_small_jpeg_ls_lossless.dcm"), output);
            Assert.AreEqual(ExitCodes.Success, code, error);
            Assert.AreEqual(entry.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(output))));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [TestMethod]
    public void PngWritesTheModelSizedSixteenBitImage_AndRefusesAFileThatIsNoImage()
    {
        string output = Path.Combine(Path.GetTempPath(), $"mama-dicom-png-{Guid.NewGuid():N}.png");
        try
        {
            var (code, _, error) = Invoke("dicom", "png", Path.Combine(ConformanceRoot(), "files", "RG3_J2KR.dcm"), output, "--image-size", "64");
            Assert.AreEqual(ExitCodes.Success, code, error);
            using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L16>(output);
            Assert.AreEqual((64, 64), (image.Width, image.Height));
            var values = new List<ushort>();
            image.ProcessPixelRows(rows => { for (int y = 0; y < rows.Height; y++) foreach (var p in rows.GetRowSpan(y)) values.Add(p.PackedValue); });
            Assert.IsTrue(values.Max() - values.Min() > 10000, "a windowed radiograph spans most of the 16-bit range");

            File.WriteAllText(output, "not an image");
            (code, _, error) = Invoke("dicom", "png", output, output + ".png");
            Assert.AreEqual(ExitCodes.BadInput, code);
            StringAssert.Contains(error, output);
        }
        finally
        {
            File.Delete(output);
            File.Delete(output + ".png");
        }
    }

    [TestMethod]
    public void InfoJsonReportsTheHeader()
    {
        string path = Path.Combine(ConformanceRoot(), "files", "RG3_J2KR.dcm");
        var (code, output, error) = Invoke("dicom", "info", path, "--json");
        Assert.AreEqual(ExitCodes.Success, code, error);
        using var json = JsonDocument.Parse(output);
        Assert.AreEqual(1760, json.RootElement.GetProperty("rows").GetInt32());
        Assert.AreEqual("MONOCHROME1", json.RootElement.GetProperty("photometricInterpretation").GetString());
        Assert.AreEqual("1.2.840.10008.1.2.4.90", json.RootElement.GetProperty("transferSyntaxUid").GetString());
    }

    [TestMethod]
    public void TruncatedFileIsBadInputWithMessage()
    {
        string path = Path.Combine(ConformanceRoot(), "edge", "MR_truncated.dcm");
        var (code, _, error) = Invoke("dicom", "pixels", path, Path.Combine(Path.GetTempPath(), $"mama-{Guid.NewGuid():N}.i32"));
        Assert.AreEqual(ExitCodes.BadInput, code);
        StringAssert.Contains(error, "MR_truncated.dcm");
    }
}
