using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.TestSupport;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary>
/// Images written by <see cref="DicomWriter"/>, converted by DCMTK and GDCM into every transfer syntax the reader
/// supports, decode back to exactly the values written (lossless) or close to them (lossy).
/// </summary>
[TestClass]
public sealed class RoundTripTests
{
    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<object[]> Images =>
    [
        [12, false], [16, false], [12, true], [16, true],
    ];

    private static readonly (string Name, string Tool, string[] Options, string TransferSyntax)[] LosslessConversions =
    [
        ("implicit", "dcmconv", ["+ti"], "1.2.840.10008.1.2"),
        ("explicit", "dcmconv", ["+te"], "1.2.840.10008.1.2.1"),
        ("big-endian", "dcmconv", ["+tb"], "1.2.840.10008.1.2.2"),
        ("deflated", "dcmconv", ["+td"], "1.2.840.10008.1.2.1.99"),
        ("dcmtk-jpeg-sv1", "dcmcjpeg", ["+e1"], "1.2.840.10008.1.2.4.70"),
        // 1 KB fragments: the frame spans several fragments, located by DCMTK's offset table, then without one.
        ("dcmtk-jpeg-fragments", "dcmcjpeg", ["+e1", "+fs", "1"], "1.2.840.10008.1.2.4.70"),
        ("dcmtk-jpeg-fragments-no-table", "dcmcjpeg", ["+e1", "+fs", "1", "-ot"], "1.2.840.10008.1.2.4.70"),
        ("dcmtk-jpeg-sv2", "dcmcjpeg", ["+el", "+sv", "2"], "1.2.840.10008.1.2.4.57"),
        ("dcmtk-jpeg-sv3", "dcmcjpeg", ["+el", "+sv", "3"], "1.2.840.10008.1.2.4.57"),
        ("dcmtk-jpeg-sv4", "dcmcjpeg", ["+el", "+sv", "4"], "1.2.840.10008.1.2.4.57"),
        ("dcmtk-jpeg-sv5", "dcmcjpeg", ["+el", "+sv", "5"], "1.2.840.10008.1.2.4.57"),
        ("dcmtk-jpeg-sv6", "dcmcjpeg", ["+el", "+sv", "6"], "1.2.840.10008.1.2.4.57"),
        ("dcmtk-jpeg-sv7", "dcmcjpeg", ["+el", "+sv", "7"], "1.2.840.10008.1.2.4.57"),
        ("dcmtk-jpegls", "dcmcjpls", ["+el"], "1.2.840.10008.1.2.4.80"),
        ("dcmtk-rle", "dcmcrle", [], "1.2.840.10008.1.2.5"),
        ("gdcm-j2k", "gdcmconv", ["--j2k"], "1.2.840.10008.1.2.4.90"),
        ("gdcm-jpegls", "gdcmconv", ["--jpegls"], "1.2.840.10008.1.2.4.80"),
        ("gdcm-jpeg", "gdcmconv", ["--jpeg"], "1.2.840.10008.1.2.4.70"),
        ("gdcm-rle", "gdcmconv", ["--rle"], "1.2.840.10008.1.2.5"),
    ];

    [TestMethod]
    [DynamicData(nameof(Images))]
    public void LosslessConversionsDecodeExactly(int bitsStored, bool signed)
    {
        var frame = SyntheticImages.Create(bitsStored, signed);
        string folder = Directory.CreateTempSubdirectory("mama-dicom-").FullName;
        try
        {
            string original = Path.Combine(folder, "original.dcm");
            DicomWriter.WriteMammogram(original, frame, new MammographyHeader { Laterality = Laterality.Left, View = "CC" }, PixelPresentation.Identity);
            var failures = new List<string>();
            foreach (var (name, tool, options, syntax) in LosslessConversions)
            {
                string converted = Path.Combine(folder, name + ".dcm");
                ExternalTools.RunChecked(tool, [.. options, original, converted]);
                var file = DicomFile.Open(converted);
                Assert.AreEqual(syntax, file.TransferSyntax.Uid, name);
                var values = DicomPixelDecoder.DecodeFrame(file, 0);
                int mismatches = values.Where((v, i) => v != frame.StoredValues[i]).Count();
                if (mismatches > 0) failures.Add($"{name}: {mismatches} values differ");
            }
            // GDCM back to native from a compressed file: the reader agrees with GDCM's own decoder.
            string raw = Path.Combine(folder, "gdcm-raw.dcm");
            ExternalTools.RunChecked("gdcmconv", "--raw", Path.Combine(folder, "dcmtk-jpeg-sv7.dcm"), raw);
            CollectionAssert.AreEqual(frame.StoredValues, DicomPixelDecoder.DecodeFrame(DicomFile.Open(raw), 0), "gdcmconv --raw of the SV7 file");
            Assert.IsEmpty(failures, string.Join("; ", failures));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [DataRow(12, false)]
    [DataRow(16, false)]
    public void LossyJpeg2000StaysClose(int bitsStored, bool signed)
    {
        var frame = SyntheticImages.Create(bitsStored, signed);
        string folder = Directory.CreateTempSubdirectory("mama-dicom-").FullName;
        try
        {
            string original = Path.Combine(folder, "original.dcm");
            string lossy = Path.Combine(folder, "lossy.dcm");
            DicomWriter.WriteMammogram(original, frame, new MammographyHeader(), PixelPresentation.Identity);
            ExternalTools.RunChecked("gdcmconv", "--j2k", "--lossy", "--irreversible", "-q", "60", original, lossy);
            var file = DicomFile.Open(lossy);
            Assert.IsTrue(file.TransferSyntax.Lossy);
            var values = DicomPixelDecoder.DecodeFrame(file, 0);
            double range = frame.MaxStoredValue - (double)frame.MinStoredValue;
            double meanAbs = values.Select((v, i) => Math.Abs((double)v - frame.StoredValues[i])).Average();
            Assert.IsLessThan(0.02 * range, meanAbs, "mean difference below 2% of the range");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void Jpeg12BitExtendedStaysClose()
    {
        var frame = SyntheticImages.Create(12, false);
        string folder = Directory.CreateTempSubdirectory("mama-dicom-").FullName;
        try
        {
            string original = Path.Combine(folder, "original.dcm");
            string lossy = Path.Combine(folder, "extended.dcm");
            DicomWriter.WriteMammogram(original, frame, new MammographyHeader(), PixelPresentation.Identity);
            ExternalTools.RunChecked("dcmcjpeg", "+ee", "+q", "95", original, lossy);
            var file = DicomFile.Open(lossy);
            Assert.AreEqual(DicomTransferSyntax.JpegExtended.Uid, file.TransferSyntax.Uid);
            var values = DicomPixelDecoder.DecodeFrame(file, 0);
            double meanAbs = values.Select((v, i) => Math.Abs((double)v - frame.StoredValues[i])).Average();
            Assert.IsLessThan(0.02 * 4095, meanAbs);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
