using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Tests.Dicom;
using MaMA.MLNet.TestSupport;

namespace MaMA.MLNet.Imaging.Tests.Codecs;

/// <summary>Restart intervals in JPEG lossless, which DCMTK's encoder never writes; DCMTK's decoder checks our test streams.</summary>
[TestClass]
public sealed class JpegLosslessDecoderTests
{
    [TestMethod]
    // T.81 H.1.1 (and libjpeg) require whole MCU rows per restart interval: 1, 2 and 3 rows of 40 samples.
    [DataRow(1, 40)]
    [DataRow(7, 40)]
    [DataRow(4, 80)]
    [DataRow(6, 120)]
    public void RestartIntervalsDecodeExactly(int predictor, int restartInterval)
    {
        var frame = SyntheticImages.Create(16, false, width: 40, height: 21);
        var codeStream = LosslessJpegTestEncoder.Encode(frame.StoredValues, 40, 21, 16, predictor, restartInterval);
        var bytes = new DatasetBuilder().ImagePixelModule(21, 40, 16, 16, 15, false)
            .Encapsulated([], (codeStream.Length & 1) == 1 ? [.. codeStream, 0] : codeStream)
            .ToPart10(DicomTransferSyntax.JpegLossless.Uid);

        string folder = Directory.CreateTempSubdirectory("mama-jpeg-").FullName;
        try
        {
            // DCMTK (libijg16) agrees that the stream encodes the image...
            string encoded = Path.Combine(folder, "restart.dcm"), decoded = Path.Combine(folder, "native.dcm");
            File.WriteAllBytes(encoded, bytes);
            ExternalTools.RunChecked("dcmdjpeg", encoded, decoded);
            CollectionAssert.AreEqual(frame.StoredValues, DicomPixelDecoder.DecodeFrame(DicomFile.Open(decoded), 0), "DCMTK's decoding");
            // ...and so do we.
            CollectionAssert.AreEqual(frame.StoredValues, DicomPixelDecoder.DecodeFrame(DicomFile.Parse(bytes, "restart"), 0), "our decoding");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void MissingRestartMarkerIsRefused()
    {
        var frame = SyntheticImages.Create(12, false, width: 16, height: 8);
        var codeStream = LosslessJpegTestEncoder.Encode(frame.StoredValues, 16, 8, 12, 1, 16);
        // Replace every RSTn marker's code with a plain data pair so no restart can be found.
        for (int i = 0; i + 1 < codeStream.Length; i++)
            if (codeStream[i] == 0xFF && codeStream[i + 1] is >= 0xD0 and <= 0xD7) codeStream[i + 1] = 0x00;
        var bytes = new DatasetBuilder().ImagePixelModule(8, 16, 16, 12, 11, false).Encapsulated([], codeStream).ToPart10(DicomTransferSyntax.JpegLossless.Uid);
        Assert.ThrowsExactly<DicomFormatException>(() => DicomPixelDecoder.DecodeFrame(DicomFile.Parse(bytes, "norst"), 0));
    }

    [TestMethod]
    public void OverfullHuffmanTableIsRefused()
    {
        var frame = SyntheticImages.Create(12, false, width: 16, height: 8);
        var codeStream = LosslessJpegTestEncoder.Encode(frame.StoredValues, 16, 8, 12, 1, 0);
        // The DHT's code counts follow FF C4, the length and the class/id byte: move 3 of the 17 codes to length 1,
        // where only 2 fit (same symbol count, so only the code space check can catch it).
        int dht = codeStream.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xC4]);
        codeStream[dht + 5] = 3;
        codeStream[dht + 9] = 14;
        var bytes = new DatasetBuilder().ImagePixelModule(8, 16, 16, 12, 11, false).Encapsulated([], codeStream).ToPart10(DicomTransferSyntax.JpegLossless.Uid);
        var e = Assert.ThrowsExactly<DicomFormatException>(() => DicomPixelDecoder.DecodeFrame(DicomFile.Parse(bytes, "dht"), 0));
        StringAssert.Contains(e.Message, "Huffman");
    }
}
