namespace MaMA.MLNet.Imaging.Preprocessing;

/// <summary>
/// Resizes an 8-bit grayscale image the way OpenCV's <c>cv2.resize(..., interpolation=cv2.INTER_AREA)</c> does, so a
/// folder resized here matches one resized by a Python script that uses it (the MaMA reference's
/// <c>scripts/resize_embed.py</c>). Three cases, as in OpenCV's <c>resize.cpp</c>:
/// <list type="bullet">
/// <item>shrinking by whole factors on both axes: the mean of each block (2 x 2 rounds halves up, as OpenCV's vector
/// code does; other factors multiply the integer sum by <c>1f / area</c> and round half to even);</item>
/// <item>shrinking otherwise: exact area coverage weights per axis in single precision, rows accumulated in OpenCV's
/// order, rounded half to even;</item>
/// <item>enlarging (either axis): OpenCV's "area mode" bilinear weights in 11-bit fixed point, with the rounding of
/// its vector code for the vertical pass.</item>
/// </list>
/// Checked against OpenCV 4.6 (Debian's python3-opencv) in the tests; OpenCV builds with Intel IPP may differ.
/// </summary>
public static class AreaResampler
{
    private const double DblEpsilon = 2.220446049250313e-16;
    private const int CoefBits = 11;
    private const int CoefScale = 1 << CoefBits;

    /// <summary>
    /// <paramref name="source"/> (row-major, <paramref name="width"/> x <paramref name="height"/>) resized to
    /// <paramref name="newWidth"/> x <paramref name="newHeight"/>.
    /// </summary>
    public static byte[] Resize(ReadOnlySpan<byte> source, int width, int height, int newWidth, int newHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(newWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(newHeight, 1);
        if (source.Length != (long)width * height)
            throw new ArgumentException($"expected {(long)width * height} values for {width} x {height}, got {source.Length}.", nameof(source));
        if (width == newWidth && height == newHeight) return source.ToArray();

        // OpenCV: inv_scale = dsize / ssize, scale = 1 / inv_scale (not ssize / dsize: the last bit can differ).
        double invScaleX = (double)newWidth / width, invScaleY = (double)newHeight / height;
        double scaleX = 1.0 / invScaleX, scaleY = 1.0 / invScaleY;
        if (scaleX >= 1 && scaleY >= 1)
        {
            int wholeX = (int)Math.Round(scaleX, MidpointRounding.ToEven), wholeY = (int)Math.Round(scaleY, MidpointRounding.ToEven);
            if (Math.Abs(scaleX - wholeX) < DblEpsilon && Math.Abs(scaleY - wholeY) < DblEpsilon)
                return Blocks(source, width, height, newWidth, newHeight, wholeX, wholeY);
            return Area(source, width, height, newWidth, newHeight, scaleX, scaleY);
        }
        return Enlarge(source, width, height, newWidth, newHeight, scaleX, scaleY, invScaleX, invScaleY);
    }

    private static byte Round(float value) => (byte)Math.Clamp((int)MathF.Round(value, MidpointRounding.ToEven), 0, 255);

    // resizeAreaFast_: whole-factor blocks.
    private static byte[] Blocks(ReadOnlySpan<byte> s, int width, int height, int newWidth, int newHeight, int fx, int fy)
    {
        var d = new byte[newWidth * newHeight];
        int area = fx * fy;
        float scale = 1f / area;
        int fullWidth = width / fx;
        for (int dy = 0; dy < newHeight; dy++)
        {
            int sy0 = dy * fy;
            int full = sy0 + fy <= height ? fullWidth : 0;
            for (int dx = 0; dx < newWidth; dx++)
            {
                int sx0 = dx * fx;
                if (dx < full)
                {
                    int sum = 0;
                    for (int y = 0; y < fy; y++)
                        for (int x = 0; x < fx; x++) sum += s[(sy0 + y) * width + sx0 + x];
                    d[dy * newWidth + dx] = fx == 2 && fy == 2 ? (byte)((sum + 2) >> 2) : Round(sum * scale);
                }
                else
                {
                    // A partial block at the edge: the mean of what exists.
                    int sum = 0, count = 0;
                    for (int y = 0; y < fy && sy0 + y < height; y++)
                        for (int x = 0; x < fx && sx0 + x < width; x++) { sum += s[(sy0 + y) * width + sx0 + x]; count++; }
                    d[dy * newWidth + dx] = count == 0 ? (byte)0 : Round((float)sum / count);
                }
            }
        }
        return d;
    }

    private readonly record struct Weight(int Target, int Source, float Alpha);

    // computeResizeAreaTab: for each target cell, the source cells it covers and their share of it.
    private static List<Weight> AreaTable(int size, int newSize, double scale)
    {
        var table = new List<Weight>(size * 2);
        for (int d = 0; d < newSize; d++)
        {
            double f1 = d * scale, f2 = f1 + scale;
            double cell = Math.Min(scale, size - f1);
            int s1 = (int)Math.Ceiling(f1), s2 = (int)Math.Floor(f2);
            s2 = Math.Min(s2, size - 1);
            s1 = Math.Min(s1, s2);
            if (s1 - f1 > 1e-3) table.Add(new Weight(d, s1 - 1, (float)((s1 - f1) / cell)));
            for (int s = s1; s < s2; s++) table.Add(new Weight(d, s, (float)(1.0 / cell)));
            if (f2 - s2 > 1e-3) table.Add(new Weight(d, s2, (float)(Math.Min(Math.Min(f2 - s2, 1.0), cell) / cell)));
        }
        return table;
    }

    // ResizeArea_Invoker: each source row is spread over the target columns, then added to its target row.
    private static byte[] Area(ReadOnlySpan<byte> s, int width, int height, int newWidth, int newHeight, double scaleX, double scaleY)
    {
        var xs = AreaTable(width, newWidth, scaleX);
        var ys = AreaTable(height, newHeight, scaleY);
        var d = new byte[newWidth * newHeight];
        var buffer = new float[newWidth];
        var sum = new float[newWidth];
        int previous = ys[0].Target;
        foreach (var y in ys)
        {
            float beta = y.Alpha;
            Array.Clear(buffer);
            var row = s.Slice(y.Source * width, width);
            foreach (var x in xs) buffer[x.Target] += row[x.Source] * x.Alpha;
            if (y.Target != previous)
            {
                for (int dx = 0; dx < newWidth; dx++)
                {
                    d[previous * newWidth + dx] = Round(sum[dx]);
                    sum[dx] = beta * buffer[dx];
                }
                previous = y.Target;
            }
            else
            {
                for (int dx = 0; dx < newWidth; dx++) sum[dx] += beta * buffer[dx];
            }
        }
        for (int dx = 0; dx < newWidth; dx++) d[previous * newWidth + dx] = Round(sum[dx]);
        return d;
    }

    // Area-mode linear weights of one axis: the source index and the fixed-point weights of it and the next.
    private static (int[] Index, short[] W0, short[] W1, int Limit) LinearTable(int size, int newSize, double scale, double invScale, bool clampEdges)
    {
        var index = new int[newSize];
        var w0 = new short[newSize];
        var w1 = new short[newSize];
        int limit = newSize;
        for (int d = 0; d < newSize; d++)
        {
            int si = (int)Math.Floor(d * scale);
            float f = (float)((d + 1) - (si + 1) * invScale);
            f = f <= 0 ? 0f : f - MathF.Floor(f);
            // OpenCV clamps the index and weight at the edges horizontally only; rows are clamped when read.
            if (clampEdges && si < 0) { f = 0; si = 0; }
            if (clampEdges && si + 1 >= size)
            {
                limit = Math.Min(limit, d);
                if (si >= size - 1) { f = 0; si = size - 1; }
            }
            index[d] = si;
            w0[d] = (short)Math.Clamp((int)MathF.Round((1f - f) * CoefScale, MidpointRounding.ToEven), short.MinValue, short.MaxValue);
            w1[d] = (short)Math.Clamp((int)MathF.Round(f * CoefScale, MidpointRounding.ToEven), short.MinValue, short.MaxValue);
        }
        return (index, w0, w1, limit);
    }

    // resizeGeneric_ with HResizeLinear (exact in integers) and VResizeLinear with the rounding of its vector code, which
    // OpenCV 4.6's output shows on every column (its scalar fixed-point cast, (sum + 2^21) >> 22, would differ by one
    // now and then).
    private static byte[] Enlarge(ReadOnlySpan<byte> s, int width, int height, int newWidth, int newHeight,
                                  double scaleX, double scaleY, double invScaleX, double invScaleY)
    {
        var (xi, xw0, xw1, xLimit) = LinearTable(width, newWidth, scaleX, invScaleX, clampEdges: true);
        var (yi, yw0, yw1, _) = LinearTable(height, newHeight, scaleY, invScaleY, clampEdges: false);
        // The horizontal pass of every source row (each is used by one or two target rows).
        var horizontal = new int[height][];
        for (int sy = 0; sy < height; sy++)
        {
            var row = s.Slice(sy * width, width);
            var h = new int[newWidth];
            for (int dx = 0; dx < newWidth; dx++)
                h[dx] = dx < xLimit ? row[xi[dx]] * xw0[dx] + row[xi[dx] + 1] * xw1[dx] : row[xi[dx]] * CoefScale;
            horizontal[sy] = h;
        }
        int[] Row(int sy) => horizontal[Math.Clamp(sy, 0, height - 1)];
        var d = new byte[newWidth * newHeight];
        for (int dy = 0; dy < newHeight; dy++)
        {
            int[] r0 = Row(yi[dy]), r1 = Row(yi[dy] + 1);
            int b0 = yw0[dy], b1 = yw1[dy];
            for (int dx = 0; dx < newWidth; dx++)
            {
                // VResizeLinearVec_32s8u's rounding: each product of (value >> 4) and the weight keeps its high 16 bits.
                int value = ((((r0[dx] >> 4) * b0) >> 16) + (((r1[dx] >> 4) * b1) >> 16) + 2) >> 2;
                d[dy * newWidth + dx] = (byte)Math.Clamp(value, 0, 255);
            }
        }
        return d;
    }
}
