using MaMA.MLNet.Imaging.Codecs;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Codecs;

[TestClass]
public sealed class RleCodecTests
{
    [TestMethod]
    public void PackBitsDecodesLiteralsRepeatsAndNoOps()
    {
        // PS3.5 G.3.2 worked by hand: literal run of 3, repeat of 4, a -128 no-op, literal of 1.
        byte[] input = [2, 10, 11, 12, unchecked((byte)-3), 7, 0x80, 0, 99];
        var output = new byte[8];
        Assert.AreEqual(8, RleCodec.DecodePackBits(input, output));
        CollectionAssert.AreEqual(new byte[] { 10, 11, 12, 7, 7, 7, 7, 99 }, output);
    }

    [TestMethod]
    public void PackBitsStopsAtTheEndOfTruncatedInput()
    {
        byte[] input = [5, 1, 2];
        var output = new byte[6];
        Assert.AreEqual(2, RleCodec.DecodePackBits(input, output));
    }

    [TestMethod]
    [DataRow(8)]
    [DataRow(16)]
    [DataRow(32)]
    public void EncodeThenDecodeIsIdentity(int bitsAllocated)
    {
        var random = new Random(bitsAllocated);
        int rows = 13, columns = 300;
        var values = new int[rows * columns];
        for (int i = 0; i < values.Length; i++)
            values[i] = i % 7 == 0 ? random.Next() & (int)((1L << bitsAllocated) - 1) : values[Math.Max(0, i - 1)];
        var encoded = RleCodec.Encode(values, rows, columns, 1, bitsAllocated);
        var decoded = new int[values.Length];
        RleCodec.Decode(encoded, new DicomPixelDescription { Rows = rows, Columns = columns, BitsAllocated = bitsAllocated, BitsStored = bitsAllocated, HighBit = bitsAllocated - 1 }, decoded, "rle");
        CollectionAssert.AreEqual(values, decoded);
    }

    [TestMethod]
    public void WrongSegmentCountIsRefused()
    {
        var encoded = RleCodec.Encode(new int[16], 4, 4, 1, 8);
        var image = new DicomPixelDescription { Rows = 4, Columns = 4, BitsAllocated = 16, BitsStored = 16, HighBit = 15 };
        var e = Assert.ThrowsExactly<DicomFormatException>(() => RleCodec.Decode(encoded, image, new int[16], "rle.dcm"));
        StringAssert.Contains(e.Message, "segments");
    }
}
