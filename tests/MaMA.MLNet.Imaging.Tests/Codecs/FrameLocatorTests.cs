using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Tests.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Codecs;

/// <summary>
/// Multi-frame encapsulated pixel data with frames split over several fragments, found through the basic offset
/// table, the extended offset table, or code stream starts. The code stream is a real JPEG-LS frame from the
/// conformance set, so the decoded values are checked against its manifest hash.
/// </summary>
[TestClass]
public sealed class FrameLocatorTests
{
    private const string SourceFile = "MR_small_jpeg_ls_lossless.dcm";

    private static (byte[] CodeStream, int[] Expected) Source()
    {
        var file = DicomFile.Open(ConformanceSet.FilePath(ConformanceSet.Entry(SourceFile)));
        var codeStream = file.Dataset.Find(DicomTags.PixelData)!.Fragments!.Skip(1).SelectMany(f => f.ToArray()).ToArray();
        var expected = DicomPixelDecoder.DecodeFrame(file, 0);
        Assert.AreEqual(ConformanceSet.Entry(SourceFile).Sha256, ConformanceSet.Sha256(expected));
        return (codeStream, expected);
    }

    private static DatasetBuilder Image(int frames) => new DatasetBuilder().ImagePixelModule(64, 64, 16, 16, 15, true, frames: frames);

    private static byte[][] Split(byte[] codeStream, params int[] cuts)
    {
        var parts = new List<byte[]>();
        int start = 0;
        foreach (int cut in cuts.Append(codeStream.Length))
        {
            int end = cut;
            // Fragments have even length (PS3.5 A.4); pad the odd last one.
            var part = codeStream[start..end];
            if ((part.Length & 1) == 1) part = [.. part, 0];
            parts.Add(part);
            start = end;
        }
        return [.. parts];
    }

    private static void AssertFrames(byte[] bytes, int frames, int[] expected)
    {
        var file = DicomFile.Parse(bytes, "frames");
        for (int f = 0; f < frames; f++) CollectionAssert.AreEqual(expected, DicomPixelDecoder.DecodeFrame(file, f), $"frame {f}");
    }

    [TestMethod]
    public void BasicOffsetTableLocatesFramesSpanningFragments()
    {
        var (codeStream, expected) = Source();
        var frame = Split(codeStream, 1000, 3000);
        uint second = (uint)frame.Sum(f => 8 + f.Length);
        var bytes = Image(2).Encapsulated([0, second], [.. frame, .. frame]).ToPart10(DicomTransferSyntax.JpegLsLossless.Uid);
        AssertFrames(bytes, 2, expected);
    }

    [TestMethod]
    public void CodeStreamStartsLocateFramesWithoutAnOffsetTable()
    {
        var (codeStream, expected) = Source();
        var frame = Split(codeStream, 2000);
        var bytes = Image(3).Encapsulated([], [.. frame, .. frame, .. frame]).ToPart10(DicomTransferSyntax.JpegLsLossless.Uid);
        AssertFrames(bytes, 3, expected);
    }

    [TestMethod]
    public void SingleFrameSpanningFragmentsIsJoined()
    {
        var (codeStream, expected) = Source();
        var bytes = Image(1).Encapsulated([], Split(codeStream, 10, 500, 4000)).ToPart10(DicomTransferSyntax.JpegLsLossless.Uid);
        AssertFrames(bytes, 1, expected);
    }

    [TestMethod]
    public void ExtendedOffsetTableLocatesFrames()
    {
        var (codeStream, expected) = Source();
        var padded = Split(codeStream)[0];
        var offsets = new byte[16];
        var lengths = new byte[16];
        BitConverter.GetBytes((ulong)(8 + padded.Length)).CopyTo(offsets, 8);
        BitConverter.GetBytes((ulong)codeStream.Length).CopyTo(lengths, 0);
        BitConverter.GetBytes((ulong)codeStream.Length).CopyTo(lengths, 8);
        var bytes = Image(2).Raw(0x7FE0, 0x0001, "OV", offsets).Raw(0x7FE0, 0x0002, "OV", lengths)
            .Encapsulated([], padded, padded).ToPart10(DicomTransferSyntax.JpegLsLossless.Uid);
        AssertFrames(bytes, 2, expected);
    }

    [TestMethod]
    public void OffsetTableThatMissesAFragmentIsRefused()
    {
        var (codeStream, _) = Source();
        var frame = Split(codeStream, 2000);
        var bytes = Image(2).Encapsulated([0, 12], [.. frame, .. frame]).ToPart10(DicomTransferSyntax.JpegLsLossless.Uid);
        var file = DicomFile.Parse(bytes, "bad-table.dcm");
        var e = Assert.ThrowsExactly<DicomFormatException>(() => DicomPixelDecoder.DecodeFrame(file, 1));
        StringAssert.Contains(e.Message, "offset table");
    }
}
