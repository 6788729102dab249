using System.Text;
using MaMA.MLNet.Imaging.ImageFiles;
using MaMA.MLNet.Imaging.Pixels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Imaging.Tests.ImageFiles;

[TestClass]
public sealed class ImageFileDecoderTests
{
    private static byte[] Encode<T>(Image<T> image, SixLabors.ImageSharp.Formats.IImageEncoder encoder) where T : unmanaged, IPixel<T>
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    private static Mammogram Read(byte[] bytes, string name = "test") => MammogramReader.Default.ReadBytes(bytes, name);

    [TestMethod]
    public void Png16BitGray_KeepsThe16BitValues()
    {
        using var image = new Image<L16>(3, 2);
        ushort[] values = [0, 1, 4095, 40000, 65534, 65535];
        for (int i = 0; i < 6; i++) image[i % 3, i / 3] = new L16(values[i]);
        Mammogram m = Read(Encode(image, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Grayscale }));
        Assert.AreEqual(16, m.Frame.BitsStored);
        Assert.AreEqual(3, m.Header.Columns);
        Assert.AreEqual(2, m.Header.Rows);
        CollectionAssert.AreEqual(values.Select(v => (int)v).ToArray(), m.Frame.StoredValues);
        // The default presentation maps 0..65535 onto [0, 1] exactly.
        FloatImage display = GrayscaleRenderer.Render(m.Frame, m.Presentation);
        for (int i = 0; i < 6; i++) Assert.AreEqual(values[i] / 65535.0, display.Pixels[i], 1e-6);
    }

    [TestMethod]
    public void Png8BitGray_Stays8Bit_AndRendersAsValueOver255()
    {
        using var image = new Image<L8>(2, 1);
        image[0, 0] = new L8(10);
        image[1, 0] = new L8(200);
        Mammogram m = Read(Encode(image, new PngEncoder { BitDepth = PngBitDepth.Bit8, ColorType = PngColorType.Grayscale }));
        Assert.AreEqual(8, m.Frame.BitsStored);
        CollectionAssert.AreEqual(new[] { 10, 200 }, m.Frame.StoredValues);
        FloatImage display = GrayscaleRenderer.Render(m.Frame, m.Presentation);
        Assert.AreEqual(10 / 255.0, display.Pixels[0], 1e-6);
        Assert.AreEqual(200 / 255.0, display.Pixels[1], 1e-6);
    }

    [TestMethod]
    public void PngRgb_BecomesBt709Luminance()
    {
        using var image = new Image<Rgb24>(3, 1);
        image[0, 0] = new Rgb24(255, 0, 0);
        image[1, 0] = new Rgb24(0, 255, 0);
        image[2, 0] = new Rgb24(90, 90, 90);
        Mammogram m = Read(Encode(image, new PngEncoder { ColorType = PngColorType.Rgb }));
        // BT.709: 0.2126 R + 0.7152 G + 0.0722 B.
        Assert.AreEqual(0.2126 * 255, m.Frame.StoredValues[0], 1.0);
        Assert.AreEqual(0.7152 * 255, m.Frame.StoredValues[1], 1.0);
        Assert.AreEqual(90, m.Frame.StoredValues[2]);
    }

    [TestMethod]
    public void JpegGray_DecodesCloseToTheOriginal()
    {
        using var image = new Image<L8>(16, 16);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) image[x, y] = new L8(x < 8 ? (byte)40 : (byte)210);
        Mammogram m = Read(Encode(image, new JpegEncoder { Quality = 95 }));
        Assert.AreEqual(8, m.Frame.BitsStored);
        Assert.AreEqual(40, m.Frame.StoredValues[16 * 4 + 2], 6);
        Assert.AreEqual(210, m.Frame.StoredValues[16 * 4 + 13], 6);
    }

    [TestMethod]
    public void Tiff16BitGray_KeepsThe16BitValues()
    {
        // ImageSharp 2.1's TIFF encoder cannot write 16-bit gray, so the file is built by hand.
        ushort[] values = [3, 1000, 30000, 65535];
        Mammogram m = Read(Gray16Tiff(2, 2, values));
        Assert.AreEqual(16, m.Frame.BitsStored);
        CollectionAssert.AreEqual(values.Select(v => (int)v).ToArray(), m.Frame.StoredValues);
    }

    [TestMethod]
    public void Tiff8BitRgb_BecomesGray()
    {
        using var image = new Image<Rgb24>(2, 1);
        image[0, 0] = new Rgb24(50, 50, 50);
        image[1, 0] = new Rgb24(220, 220, 220);
        Mammogram m = Read(Encode(image, new TiffEncoder()));
        Assert.AreEqual(8, m.Frame.BitsStored);
        CollectionAssert.AreEqual(new[] { 50, 220 }, m.Frame.StoredValues);
    }

    // Little-endian baseline TIFF: one uncompressed strip of 16-bit BlackIsZero samples.
    private static byte[] Gray16Tiff(int width, int height, ushort[] values)
    {
        const int entries = 9, ifdOffset = 8;
        int dataOffset = ifdOffset + 2 + entries * 12 + 4;
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        w.Write("II"u8); w.Write((ushort)42); w.Write(ifdOffset);
        w.Write((ushort)entries);
        void Entry(ushort tag, ushort type, uint value) { w.Write(tag); w.Write(type); w.Write(1u); w.Write(value); }
        Entry(256, 4, (uint)width);
        Entry(257, 4, (uint)height);
        Entry(258, 3, 16);
        Entry(259, 3, 1);
        Entry(262, 3, 1);
        Entry(273, 4, (uint)dataOffset);
        Entry(277, 3, 1);
        Entry(278, 4, (uint)height);
        Entry(279, 4, (uint)(values.Length * 2));
        w.Write(0u);
        foreach (ushort v in values) w.Write(v);
        w.Flush();
        return stream.ToArray();
    }

    [TestMethod]
    public void Pgm8And16Bit_AreParsed_WithComments()
    {
        byte[] eight = [.. Encoding.ASCII.GetBytes("P5\n# a comment\n3 1\n200\n"), 0, 100, 200];
        Mammogram m8 = Read(eight);
        CollectionAssert.AreEqual(new[] { 0, 100, 200 }, m8.Frame.StoredValues);
        Assert.AreEqual(8, m8.Frame.BitsStored); // maxval 200 needs 8 bits
        Assert.AreEqual(1.0, GrayscaleRenderer.Render(m8.Frame, m8.Presentation).Pixels[2], 1e-6); // 200 / maxval

        byte[] sixteen = [.. Encoding.ASCII.GetBytes("P5 2 1 4095 "), 0x0F, 0xFF, 0x01, 0x00];
        Mammogram m16 = Read(sixteen);
        CollectionAssert.AreEqual(new[] { 4095, 256 }, m16.Frame.StoredValues);
        Assert.AreEqual(12, m16.Frame.BitsStored);
        Assert.AreEqual(256 / 4095.0, GrayscaleRenderer.Render(m16.Frame, m16.Presentation).Pixels[1], 1e-6);
    }

    [TestMethod]
    public void Pgm_TruncatedOrHugeOrOverMaxval_IsAReadError()
    {
        var truncated = Assert.ThrowsExactly<MammogramReadException>(() => Read([.. Encoding.ASCII.GetBytes("P5 4 4 255\n"), 1, 2], "t.pgm"));
        StringAssert.Contains(truncated.Message, "t.pgm");
        StringAssert.Contains(truncated.Message, "truncated");
        Assert.ThrowsExactly<DecodeLimitExceededException>(() => Read(Encoding.ASCII.GetBytes("P5 900000 900000 255\n")));
        Assert.ThrowsExactly<MammogramReadException>(() => Read([.. Encoding.ASCII.GetBytes("P5 1 1 10\n"), 11]));
        Assert.ThrowsExactly<MammogramReadException>(() => Read(Encoding.ASCII.GetBytes("P5 x 1 10\n")));
    }
}
