using System.Buffers.Binary;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary>Native pixel data: every Bits Allocated, masking below and above the stored bits, sign extension, byte order, planes, frames.</summary>
[TestClass]
public sealed class NativePixelTests
{
    private static int[] Decode(DatasetBuilder builder, int frame = 0) =>
        DicomPixelDecoder.DecodeFrame(DicomFile.Parse(builder.ToArray(), "native"), frame);

    [TestMethod]
    public void OneBitPixelsAreReadLeastSignificantBitFirst()
    {
        // PS3.5 D.1: the first pixel is bit 0 of the first byte.
        var builder = new DatasetBuilder().ImagePixelModule(2, 8, 1, 1, 0, false).Raw(0x7FE0, 0x0010, "OB", [0b1000_0101, 0b0000_0001]);
        CollectionAssert.AreEqual(new[] { 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0 }, Decode(builder));
    }

    [TestMethod]
    public void EightBitSignedValuesAreSignExtended()
    {
        var builder = new DatasetBuilder().ImagePixelModule(1, 4, 8, 8, 7, true).Raw(0x7FE0, 0x0010, "OB", [0x80, 0xFF, 0x00, 0x7F]);
        CollectionAssert.AreEqual(new[] { -128, -1, 0, 127 }, Decode(builder));
    }

    [TestMethod]
    public void BitsAboveHighBitAreMaskedAndSignExtended()
    {
        // 12 stored bits at the bottom; the top nibble holds overlay garbage that must not leak in.
        var builder = new DatasetBuilder().ImagePixelModule(1, 4, 16, 12, 11, true).Words(0x7FE0, 0x0010, [0xF800, 0x07FF, 0xAFFF, 0x5001]);
        CollectionAssert.AreEqual(new[] { -2048, 2047, -1, 1 }, Decode(builder));
    }

    [TestMethod]
    public void StoredBitsBelowTheHighBitAreShiftedDown()
    {
        // High Bit 15 with 12 stored bits: the value sits in bits 4..15.
        var builder = new DatasetBuilder().ImagePixelModule(1, 3, 16, 12, 15, false).Words(0x7FE0, 0x0010, [0xABC5, 0x0010, 0xFFFF]);
        CollectionAssert.AreEqual(new[] { 0xABC, 0x001, 0xFFF }, Decode(builder));
    }

    [TestMethod]
    public void BigEndianWordsAreSwapped()
    {
        var builder = new DatasetBuilder(bigEndian: true).ImagePixelModule(1, 3, 16, 16, 15, false).Words(0x7FE0, 0x0010, [0x1234, 0xFFFE, 0x0001]);
        CollectionAssert.AreEqual(new[] { 0x1234, 0xFFFE, 0x0001 }, Decode(builder));
    }

    [TestMethod]
    public void ThirtyTwoBitValuesAreRead()
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, -5);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1 << 30);
        var builder = new DatasetBuilder().ImagePixelModule(1, 2, 32, 32, 31, true).Raw(0x7FE0, 0x0010, "OW", bytes);
        CollectionAssert.AreEqual(new[] { -5, 1 << 30 }, Decode(builder));
    }

    [TestMethod]
    public void PlanarColourIsInterleaved()
    {
        var builder = new DatasetBuilder().ImagePixelModule(1, 2, 8, 8, 7, false, samples: 3, photometric: "RGB", planar: 1)
            .Raw(0x7FE0, 0x0010, "OB", [10, 11, 20, 21, 30, 31]);
        CollectionAssert.AreEqual(new[] { 10, 20, 30, 11, 21, 31 }, Decode(builder));
    }

    [TestMethod]
    public void ColourIsRefusedAsAMammogram()
    {
        var builder = new DatasetBuilder().ImagePixelModule(1, 2, 8, 8, 7, false, samples: 3, photometric: "RGB").Raw(0x7FE0, 0x0010, "OB", new byte[6]);
        var e = Assert.ThrowsExactly<DicomUnsupportedException>(() => DicomMammogramDecoder.Decode(DicomFile.Parse(builder.ToArray(), "rgb.dcm")));
        StringAssert.Contains(e.Message, "grayscale");
    }

    [TestMethod]
    public void FramesAreReadByIndex()
    {
        var builder = new DatasetBuilder().ImagePixelModule(1, 2, 16, 16, 15, false, frames: 3).Words(0x7FE0, 0x0010, [1, 2, 3, 4, 5, 6]);
        CollectionAssert.AreEqual(new[] { 5, 6 }, Decode(builder, 2));
        Assert.ThrowsExactly<DicomException>(() => Decode(builder, 3));
    }

    [TestMethod]
    public void ShortPixelDataIsRefused()
    {
        var builder = new DatasetBuilder().ImagePixelModule(4, 4, 16, 16, 15, false).Words(0x7FE0, 0x0010, [1, 2, 3]);
        var e = Assert.ThrowsExactly<DicomFormatException>(() => Decode(builder));
        StringAssert.Contains(e.Message, "(7FE0,0010)");
    }

    [TestMethod]
    [DataRow(0, 4, 16, 16, 15)]
    [DataRow(4, 4, 12, 12, 11)]
    [DataRow(4, 4, 16, 17, 16)]
    [DataRow(4, 4, 16, 12, 10)]
    public void InconsistentPixelModulesAreRefused(int rows, int columns, int allocated, int stored, int highBit)
    {
        var builder = new DatasetBuilder().ImagePixelModule(rows, columns, allocated, stored, highBit, false).Words(0x7FE0, 0x0010, new ushort[16]);
        Assert.Throws<DicomException>(() => Decode(builder));
    }
}

[TestClass]
public sealed class DicomSniffingTests
{
    [TestMethod]
    public void ConformanceFilesAreRecognised()
    {
        var decoder = new DicomMammogramDecoder();
        foreach (var entry in ConformanceSet.Entries)
        {
            var head = File.ReadAllBytes(ConformanceSet.FilePath(entry)).AsSpan(0, 256);
            Assert.IsTrue(decoder.CanDecode(head), entry.File);
        }
        Assert.IsTrue(decoder.CanDecode(File.ReadAllBytes(Path.Combine(ConformanceSet.Root, "edge", "ExplVR_LitEndNoMeta.dcm")).AsSpan(0, 64)), "bare data set");
    }

    [TestMethod]
    public void OtherFormatsAreNotRecognised()
    {
        var decoder = new DicomMammogramDecoder();
        Assert.IsFalse(decoder.CanDecode([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]));
        Assert.IsFalse(decoder.CanDecode([(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0]));
        Assert.IsFalse(decoder.CanDecode([]));
    }
}
