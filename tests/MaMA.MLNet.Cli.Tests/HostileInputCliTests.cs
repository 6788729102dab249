using System.IO.Compression;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Pixels;
using static MaMA.MLNet.Cli.Tests.CliFixture;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// Hostile files through the tool: each ends with exit 3 and one line on stderr, no stack trace, and without the
/// memory the file asks for. (Before: `embed` decoded the 16384² rows in parallel, gigabytes each; a zip named
/// model.safetensors was read as a pickle; a pipeline file was extracted whole before stages.json was read.)
/// </summary>
[TestClass]
public sealed class HostileInputCliTests
{
    private static (int Code, string[] ErrorLines) RunWithStderr(ICliCommand command, params string[] args)
    {
        var saved = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            int code = Invoke(command, args);
            return (code, error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally { Console.SetError(saved); }
    }

    // A real 8 x 8 mammogram whose Rows and Columns are then rewritten to 16384: 16 bytes of pixels claiming 512 MiB.
    private static void WriteDicomDeclaring16384(string path)
    {
        var stream = new MemoryStream();
        DicomWriter.WriteMammogram(stream, new GrayscaleFrame(8, 8, new int[64], 12, false), new MammographyHeader(), new PixelPresentation());
        var bytes = stream.ToArray();
        foreach (byte element in new byte[] { 0x10, 0x11 })
        {
            int at = bytes.AsSpan().IndexOf(new byte[] { 0x28, 0x00, element, 0x00, (byte)'U', (byte)'S', 2, 0 });
            Assert.IsGreaterThan(0, at);
            bytes[at + 8] = 0x00;
            bytes[at + 9] = 0x40;
        }
        File.WriteAllBytes(path, bytes);
    }

    private static string Folder() => System.IO.Directory.CreateTempSubdirectory("mama-hostile-cli-").FullName;

    [TestMethod]
    public void EmbedOverRowsThatDeclareHugeImagesExitsThreeWithOneLine()
    {
        string folder = Folder();
        try
        {
            string image = Path.Combine(folder, "huge.dcm"), manifest = Path.Combine(folder, "manifest.csv");
            WriteDicomDeclaring16384(image);
            File.WriteAllLines(manifest, ["image_path,patient_id,study_id", .. Enumerable.Range(0, 8).Select(i => $"{image},p{i},s{i}")]);
            var (code, lines) = RunWithStderr(new EmbedCommand(), "embed", "--model", Model, "--manifest", manifest, "--out", Path.Combine(folder, "e.csv"));
            Assert.AreEqual(ExitCodes.BadInput, code, string.Join('\n', lines));
            // One line per unreadable image and a summary; no stack trace.
            var errors = lines.Where(l => !l.StartsWith("progress ", StringComparison.Ordinal)).ToList();
            Assert.IsFalse(errors.Any(l => l.Contains("Exception", StringComparison.Ordinal) || l.TrimStart().StartsWith("at ", StringComparison.Ordinal)), string.Join('\n', lines));
            Assert.IsGreaterThanOrEqualTo(1, errors.Count(l => l.Contains(nameof(DecodeLimits.MaxPixels), StringComparison.Ordinal)), string.Join('\n', lines));
        }
        finally { System.IO.Directory.Delete(folder, recursive: true); }
    }

    [TestMethod]
    public void AModelWhoseSafetensorsFileIsAZipExitsThreeWithOneLine()
    {
        string folder = Folder();
        try
        {
            string model = Path.Combine(folder, "model");
            System.IO.Directory.CreateDirectory(model);
            foreach (string file in System.IO.Directory.GetFiles(Model)) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
            string weights = Path.Combine(model, "model.safetensors");
            File.Delete(weights);
            using (var zip = ZipFile.Open(weights, ZipArchiveMode.Create)) zip.CreateEntry("archive/data.pkl");
            var (code, lines) = RunWithStderr(new EmbedCommand(), "embed", "--model", model, "--manifest", Manifest, "--out", Path.Combine(folder, "e.csv"));
            Assert.AreEqual(ExitCodes.BadInput, code, string.Join('\n', lines));
            Assert.HasCount(1, lines, string.Join('\n', lines));
            StringAssert.Contains(lines[0], "named .safetensors but is a zip");
        }
        finally { System.IO.Directory.Delete(folder, recursive: true); }
    }

    [TestMethod]
    public void APipelineFileThatInflatesAThousandfoldExitsThreeWithOneLine()
    {
        string folder = Folder();
        try
        {
            string file = Path.Combine(folder, "bomb.mama.zip");
            using (var zip = ZipFile.Open(file, ZipArchiveMode.Create))
            {
                using (var writer = new StreamWriter(zip.CreateEntry("stages.json").Open()))
                    writer.Write("""{"version":1,"stages":[{"type":"mama","path":"stage0.embedding","kind":"image-embedding"}]}""");
                using var entry = zip.CreateEntry("stage0.embedding/model/model.safetensors", CompressionLevel.Optimal).Open();
                var zeros = new byte[1 << 20];
                for (int i = 0; i < 256; i++) entry.Write(zeros);
            }
            var (code, lines) = RunWithStderr(new PredictCommand(), "predict", "--model", file, "--manifest", Manifest);
            Assert.AreEqual(ExitCodes.BadInput, code, string.Join('\n', lines));
            Assert.HasCount(1, lines, string.Join('\n', lines));
            StringAssert.Contains(lines[0], "zip bomb");
        }
        finally { System.IO.Directory.Delete(folder, recursive: true); }
    }
}
