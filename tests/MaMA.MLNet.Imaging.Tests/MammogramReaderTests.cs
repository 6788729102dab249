using MaMA.MLNet.Imaging.ImageFiles;
using MaMA.MLNet.Imaging.Pixels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Imaging.Tests;

[TestClass]
public sealed class MammogramReaderTests
{
    private sealed class FakeDecoder : IMammogramDecoder
    {
        public string FormatName => "FAKE";
        public bool CanDecode(ReadOnlySpan<byte> head) => head.Length > 132 && head.Slice(128, 4).SequenceEqual("DICM"u8);
        public Mammogram Decode(Stream stream, string source, int frame = 0) =>
            new(source, new MammographyHeader { Modality = "MG" }, new GrayscaleFrame(1, 1, [7], 12, false), PixelPresentation.Identity);
    }

    [TestMethod]
    public void UnknownFormat_NamesTheFileAndTheRegisteredFormats()
    {
        var e = Assert.ThrowsExactly<MammogramReadException>(() => MammogramReader.Default.ReadBytes("hello world"u8.ToArray(), "notes.txt"));
        Assert.AreEqual("notes.txt", e.FileName);
        StringAssert.Contains(e.Message, "unknown image format");
        StringAssert.Contains(e.Message, "PNG");
    }

    [TestMethod]
    public void UnknownFormat_ShowsNoByteOfTheFile()
    {
        // A manifest can point at any file; the message names it and says what is wrong, but quotes none of it,
        // neither as text nor as hex.
        const string secret = "AKIA-SECRET-KEY=hunter2";
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(secret + "\nmore\n");
        var e = Assert.ThrowsExactly<MammogramReadException>(() => MammogramReader.Default.ReadBytes(bytes, "/home/u/.aws/credentials"));
        StringAssert.Contains(e.Message, "/home/u/.aws/credentials");
        StringAssert.Contains(e.Message, "unknown image format (the file looks like text)");
        AssertShowsNone(e.Message, bytes);

        byte[] binary = [0x00, 0xFF, 0x13, 0x37, 0xC0, 0xDE, 0xBE, 0xEF, 0x42, 0x42];
        var b = Assert.ThrowsExactly<MammogramReadException>(() => MammogramReader.Default.ReadBytes(binary, "key.bin"));
        Assert.DoesNotContain("looks like text", b.Message);
        AssertShowsNone(b.Message, binary);
    }

    private static void AssertShowsNone(string message, byte[] content)
    {
        // Every run of 4 bytes: neither its hex nor (when it is letters and digits) its text is in the message.
        for (int start = 0; start + 4 <= content.Length; start++)
        {
            byte[] piece = content[start..(start + 4)];
            Assert.DoesNotContain(Convert.ToHexString(piece), message, StringComparison.OrdinalIgnoreCase, $"hex of bytes {start}.. shown: {message}");
            string text = System.Text.Encoding.Latin1.GetString(piece);
            if (text.All(char.IsLetterOrDigit)) Assert.DoesNotContain(text, message, $"text of bytes {start}.. shown: {message}");
        }
    }

    [TestMethod]
    public void MissingFile_AndEmptyFile_AreReadErrors()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mama-reader-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string missing = Path.Combine(dir, "missing.png");
            var e = Assert.ThrowsExactly<MammogramReadException>(() => MammogramReader.Read(missing));
            Assert.AreEqual(missing, e.FileName);
            string empty = Path.Combine(dir, "empty.png");
            File.WriteAllBytes(empty, []);
            StringAssert.Contains(Assert.ThrowsExactly<MammogramReadException>(() => MammogramReader.Read(empty)).Message, "empty");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void TruncatedPng_IsAReadError()
    {
        using var image = new Image<L8>(64, 64);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        byte[] cut = stream.ToArray()[..40];
        var e = Assert.ThrowsExactly<MammogramReadException>(() => MammogramReader.Default.ReadBytes(cut, "cut.png"));
        Assert.AreEqual("cut.png", e.FileName);
    }

    [TestMethod]
    public void FrameBeyondTheFile_IsAReadError()
    {
        using var image = new Image<L8>(4, 4);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        StringAssert.Contains(Assert.ThrowsExactly<MammogramReadException>(() => MammogramReader.Default.ReadBytes(stream.ToArray(), "one.png", frame: 1)).Message, "frame 1");
    }

    [TestMethod]
    public void Register_AddsADecoderThatTheSniffFinds_WithoutTouchingOtherReaders()
    {
        var reader = new MammogramReader();
        byte[] dicomLike = new byte[200];
        "DICM"u8.CopyTo(dicomLike.AsSpan(128));
        // The built-in DICOM decoder claims it and finds it malformed (a MammogramReadException subtype).
        Assert.Throws<MammogramReadException>(() => reader.ReadBytes(dicomLike, "x.dcm"));
        reader.Register(new FakeDecoder());
        Mammogram m = reader.ReadBytes(dicomLike, "x.dcm");
        Assert.AreEqual("MG", m.Header.Modality);
        Assert.AreEqual("x.dcm", m.Source);
        Assert.IsInstanceOfType<FakeDecoder>(reader.Decoders[0]);
        Assert.IsFalse(MammogramReader.Default.Decoders.Any(d => d is FakeDecoder));
    }

    [TestMethod]
    public void Sniffing_IgnoresTheExtension()
    {
        string path = Path.Combine(Path.GetTempPath(), "mama-sniff-" + Guid.NewGuid().ToString("N") + ".dcm");
        try
        {
            using (var image = new Image<L8>(2, 2)) image.SaveAsPng(path);
            Mammogram m = MammogramReader.Read(path);
            Assert.AreEqual(path, m.Source);
            Assert.IsInstanceOfType<PngMammogramDecoder>(MammogramReader.Default.FindDecoder(File.ReadAllBytes(path)));
        }
        finally { File.Delete(path); }
    }
}

[TestClass]
public sealed class MammogramReaderDicomTests
{
    [TestMethod]
    public void TheDefaultReaderReadsDicomWithAndWithoutPreambleAndKeepsTheHeader()
    {
        string dir = Directory.CreateTempSubdirectory("mama-reader-dicom-").FullName;
        try
        {
            var values = Enumerable.Range(0, 6 * 4).Select(i => (i * 137) % 4096).ToArray();
            var frame = new GrayscaleFrame(6, 4, values, 12, false);
            var header = new MammographyHeader { Modality = "MG", Laterality = Laterality.Right, View = "MLO", PatientId = "p1" };
            string path = Path.Combine(dir, "image.bin"); // no extension: the format is sniffed
            MaMA.MLNet.Imaging.Dicom.DicomWriter.WriteMammogram(path, frame, header, PixelPresentation.Identity, MaMA.MLNet.Imaging.Dicom.DicomWriterCompression.Rle);

            var read = MammogramReader.Read(path);
            CollectionAssert.AreEqual(values, read.Frame.StoredValues);
            Assert.AreEqual(Laterality.Right, read.Header.Laterality);
            Assert.AreEqual("MLO", read.Header.View);
            Assert.AreEqual("p1", read.Header.PatientId);

            // The PNG decoder must not claim a DICOM file, nor the DICOM decoder a PNG.
            Assert.AreEqual("DICOM", MammogramReader.Default.Decoders.First(d => d.CanDecode(File.ReadAllBytes(path).AsSpan(0, 256))).FormatName);
            byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[100]];
            Assert.AreEqual("PNG", MammogramReader.Default.Decoders.First(d => d.CanDecode(png)).FormatName);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
