namespace MaMA.MLNet.Data.Phantom;

/// <summary>
/// Smooth value noise from a hashed integer lattice: no tables, any coordinate, the same value for the same
/// (x, y, seed) on every thread and machine, so images can be rendered in parallel and stay deterministic.
/// </summary>
internal static class ValueNoise
{
    /// <summary>A hash of three integers, uniform on [0, 1).</summary>
    public static double Hash01(int x, int y, int seed)
    {
        unchecked
        {
            uint h = (uint)x * 0x8DA6B343u ^ (uint)y * 0xD8163841u ^ (uint)seed * 0xCB1AB31Fu;
            h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
            return (h >> 8) * (1.0 / (1 << 24));
        }
    }

    /// <summary>Value noise in [-1, 1] with smoothstep interpolation between lattice points.</summary>
    public static double Value(double x, double y, int seed)
    {
        int ix = (int)Math.Floor(x), iy = (int)Math.Floor(y);
        double fx = x - ix, fy = y - iy;
        double sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
        double a = Hash01(ix, iy, seed), b = Hash01(ix + 1, iy, seed);
        double c = Hash01(ix, iy + 1, seed), d = Hash01(ix + 1, iy + 1, seed);
        double top = a + (b - a) * sx, bottom = c + (d - c) * sx;
        return 2 * (top + (bottom - top) * sy) - 1;
    }

    /// <summary>Fractal sum of <paramref name="octaves"/> octaves (each twice the frequency, half the amplitude), about [-1, 1].</summary>
    public static double Fractal(double x, double y, int seed, int octaves)
    {
        double sum = 0, amplitude = 1, norm = 0;
        for (int o = 0; o < octaves; o++)
        {
            sum += amplitude * Value(x, y, seed + 7919 * o);
            norm += amplitude;
            amplitude *= 0.5;
            x *= 2.03;
            y *= 2.03;
        }
        return sum / norm;
    }

    /// <summary>Zero-mean noise of unit variance with a triangular distribution (sum of two uniforms from one hash).</summary>
    public static double Triangular(int x, int y, int seed)
    {
        double u = Hash01(x, y, seed) * 4096;
        double a = Math.Floor(u) / 4096, b = u - Math.Floor(u);
        return (a + b - 1) * 2.449489742783178; // sqrt(6): the sum of two U(0,1) has variance 1/6
    }
}
