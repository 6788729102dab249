using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Imaging.Tests.Preprocessing;

/// <summary>
/// <see cref="AreaResampler"/> against closed forms: block means for whole factors, the exact area integral otherwise.
/// (Byte-for-byte agreement with OpenCV is checked in MaMA.MLNet.Data.Tests, ReferenceImageConverterTests.)
/// </summary>
[TestClass]
public sealed class AreaResamplerTests
{
    private static byte[] Noise(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [TestMethod]
    public void ThreeByThree_IsTheRoundedBlockMean()
    {
        const int w = 12, h = 9;
        byte[] source = Noise(w * h, 1);
        byte[] result = AreaResampler.Resize(source, w, h, 4, 3);
        for (int dy = 0; dy < 3; dy++)
            for (int dx = 0; dx < 4; dx++)
            {
                int sum = 0;
                for (int y = 0; y < 3; y++) for (int x = 0; x < 3; x++) sum += source[(dy * 3 + y) * w + dx * 3 + x];
                Assert.AreEqual((int)Math.Round(sum / 9.0), result[dy * 4 + dx], $"({dx}, {dy})");
            }
    }

    [TestMethod]
    public void TwoByTwo_RoundsHalvesUp()
    {
        // Block sums 2, 10, 18 and 4 (means 0.5, 2.5, 4.5, 1): OpenCV's 2 x 2 code computes (sum + 2) >> 2, so 1, 3, 5, 1
        // (rounding half to even would give 0, 2, 4, 1).
        byte[] source =
        [
            0, 1, 2, 3,
            1, 0, 3, 2,
            4, 5, 1, 1,
            4, 5, 1, 1,
        ];
        CollectionAssert.AreEqual(new byte[] { 1, 3, 5, 1 }, AreaResampler.Resize(source, 4, 4, 2, 2));
    }

    [TestMethod]
    [DataRow(37, 53, 13, 20)]
    [DataRow(3328, 40, 1080, 12)]
    [DataRow(101, 77, 100, 76)]
    public void FractionalShrink_IsTheAreaIntegralRounded(int w, int h, int nw, int nh)
    {
        byte[] source = Noise(w * h, w + h);
        byte[] result = AreaResampler.Resize(source, w, h, nw, nh);
        double sx = (double)w / nw, sy = (double)h / nh;
        for (int dy = 0; dy < nh; dy++)
            for (int dx = 0; dx < nw; dx++)
            {
                double x0 = dx * sx, x1 = Math.Min(w, x0 + sx), y0 = dy * sy, y1 = Math.Min(h, y0 + sy), sum = 0;
                for (int y = (int)Math.Floor(y0); y < Math.Ceiling(y1); y++)
                    for (int x = (int)Math.Floor(x0); x < Math.Ceiling(x1); x++)
                    {
                        double cover = (Math.Min(x1, x + 1) - Math.Max(x0, x)) * (Math.Min(y1, y + 1) - Math.Max(y0, y));
                        sum += cover * source[y * w + x];
                    }
                double exact = sum / ((x1 - x0) * (y1 - y0));
                Assert.IsLessThanOrEqualTo(0.5 + 1e-3, Math.Abs(result[dy * nw + dx] - exact), $"({dx}, {dy}): {result[dy * nw + dx]} for {exact}");
            }
    }

    [TestMethod]
    public void Enlarging_KeepsAConstantImageAndItsRange()
    {
        byte[] flat = Enumerable.Repeat((byte)137, 9 * 13).ToArray();
        Assert.IsTrue(AreaResampler.Resize(flat, 9, 13, 13, 20).All(v => v == 137));
        byte[] source = Noise(9 * 13, 3);
        byte[] result = AreaResampler.Resize(source, 9, 13, 13, 20);
        Assert.IsTrue(result.All(v => v >= source.Min() && v <= source.Max()));
    }

    [TestMethod]
    public void WrongLength_Throws()
    {
        Assert.ThrowsExactly<ArgumentException>(() => AreaResampler.Resize(new byte[5], 2, 3, 1, 1));
    }
}
