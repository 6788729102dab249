using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>
/// Renders one view of one breast of a <see cref="PhantomStudy"/> as a mammography-like image.
/// </summary>
/// <remarks>
/// <para>Orientation: stored as DICOM mammograms usually are (Patient Orientation A\R for a left CC, P\L for a
/// right CC): the left breast has its chest wall at the left image edge and points right; the right breast
/// is the mirror image, chest wall at the right edge. Hung back to back, the right breast appears on the
/// viewer's left. Rows run from superior (top) to inferior; on CC the top is lateral.</para>
/// <para>Model, in display terms (brighter = more attenuating): a compressed breast of constant thickness
/// that thins near the skin (darker periphery), a bright thin skin line, fat at a mid-gray level and
/// fibroglandular tissue brighter. The fibroglandular tissue is a thresholded random field: smooth noise
/// streaked toward the nipple plus a prior for the central breast, cut at the quantile that makes the
/// requested fraction of the breast glandular, so density A-D changes the bright area (visible at 64 px). MLO
/// views add the pectoral muscle as a bright curved triangle at the top chest-wall corner. Findings are
/// placed by their 3-D <see cref="BreastLocation"/> and projected into both views, so a finding appears in
/// the CC and the MLO of its side at the same depth from the chest wall.</para>
/// </remarks>
public static class PhantomRenderer
{
    /// <summary>Renders the <paramref name="view"/> ("CC" or "MLO") of the <paramref name="side"/> breast.</summary>
    public static PhantomImage Render(PhantomStudy study, Laterality side, string view, PhantomOptions options)
    {
        bool mlo = view switch
        {
            "CC" => false,
            "MLO" => true,
            _ => throw new ArgumentException($"The phantom draws CC and MLO views, not '{view}'.", nameof(view)),
        };
        if (side == Laterality.Bilateral) throw new ArgumentException("A phantom image shows one breast.", nameof(side));
        int w = options.Width, h = options.Height;
        PhantomBreast breast = study.Breast(side);
        var g = new Geometry(breast.Shape, mlo, w, h);
        int seed = breast.Shape.TextureSeed + (mlo ? 1 : 0);

        // 1. Smooth fields on a half-resolution grid (they vary over several pixels, and this is the costly part):
        //    the fibroglandular field, thresholded at the requested area quantile, and the texture.
        double px = w / 256.0;
        int gw = (w + 1) / 2, gh = (h + 1) / 2;
        var raw = new float[gw * gh];
        var texture = new float[gw * gh];
        var insideFlags = new bool[gw * gh];
        Parallel.For(0, gh, j =>
        {
            for (int i = 0; i < gw; i++)
            {
                double x = 2 * i + 1, y = 2 * j + 1, rho = g.Rho(x, y);
                bool muscle = g.InMuscle(x, y);
                if (rho >= 1.05 && !muscle) continue;
                raw[j * gw + i] = (float)GlandField(g, x, y, rho, seed);
                texture[j * gw + i] = (float)Texture(g, x, y, px, seed);
                insideFlags[j * gw + i] = rho < 1 && !muscle;
            }
        });
        var inside = new List<float>(gw * gh);
        for (int k = 0; k < raw.Length; k++)
            if (insideFlags[k]) inside.Add(raw[k]);
        inside.Sort();
        float threshold = inside.Count == 0 ? 0 : inside[Math.Clamp((int)((1 - study.GlandularFraction) * inside.Count), 0, inside.Count - 1)];

        // 2. Tissue, thickness, skin and muscle at full resolution.
        var image = new float[w * h];
        var breastMask = new bool[w * h];
        int[] glandCount = new int[h], breastCount = new int[h];
        Parallel.For(0, h, y =>
        {
            double gy = (y + 0.5) / 2 - 0.5;
            for (int x = 0; x < w; x++)
            {
                double rho = g.Rho(x + 0.5, y + 0.5);
                bool muscle = g.InMuscle(x + 0.5, y + 0.5);
                if (rho >= 1 && !muscle) continue;
                double gx = (x + 0.5) / 2 - 0.5;
                double tex = Upsample(texture, gw, gh, gx, gy);
                double value = 0;
                if (rho < 1)
                {
                    double r = Upsample(raw, gw, gh, gx, gy);
                    double gland = SmoothStep(threshold - 0.10, threshold + 0.10, r);
                    double excess = Math.Clamp((r - threshold) / 0.5, 0, 1);
                    if (!muscle)
                    {
                        breastMask[y * w + x] = true;
                        breastCount[y]++;
                        if (r > threshold) glandCount[y]++;
                    }
                    double tissue = 0.26 + 0.05 * tex + gland * (0.27 + 0.18 * excess + 0.08 * tex);
                    double edge = (1 - rho) * g.Depth; // distance to the skin in pixels, roughly
                    double thickness = Math.Sqrt(SmoothStep(0, 0.16 * g.Depth, edge));
                    value = tissue * (0.25 + 0.75 * thickness) + 0.08 * Math.Exp(-Square(edge / (1.3 * px)));
                }
                if (muscle)
                {
                    double m = g.MuscleDepth(x + 0.5, y + 0.5); // 0 at its edge, 1 at the corner
                    double muscleValue = 0.62 + 0.12 * m + 0.02 * tex;
                    value += (muscleValue - value) * SmoothStep(0, 0.06, m);
                }
                image[y * w + x] = (float)value;
            }
        });

        // 3. Findings.
        var marks = new List<FindingMark>();
        if (options.RenderFindings)
        {
            foreach (PhantomMass mass in breast.Masses) marks.Add(DrawMass(image, breastMask, g, mass, w, h, px));
            foreach (PhantomCalcificationCluster cluster in breast.Calcifications) marks.Add(DrawCalcifications(image, breastMask, g, cluster, w, h, px));
        }

        // 4. Quantum noise, orientation, quantisation.
        int maxValue = (1 << options.BitsStored) - 1;
        var stored = new int[w * h];
        bool mirror = side == Laterality.Right;
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                double v = image[y * w + x];
                double noise = v > 0 ? 0.006 * ValueNoise.Triangular(x, y, seed + 101) : 0.0012 * Math.Abs(ValueNoise.Triangular(x, y, seed + 103));
                int q = (int)Math.Round(Math.Clamp(v + noise, 0, 1) * maxValue);
                stored[y * w + (mirror ? w - 1 - x : x)] = q;
            }
        });
        if (mirror) marks = [.. marks.Select(m => m with { X = w - m.X })];
        int totalBreast = breastCount.Sum();
        double fraction = totalBreast == 0 ? 0 : (double)glandCount.Sum() / totalBreast;
        return new PhantomImage(side, view, new GrayscaleFrame(w, h, stored, options.BitsStored, false), fraction, totalBreast, marks);
    }

    /// <summary>Cooper's ligaments and ducts (thin ridges streaked toward the nipple) plus a patchy fine texture, about [0, 1].</summary>
    private static double Texture(Geometry g, double x, double y, double px, int seed)
    {
        (double across, double along) = g.NippleCoordinates(x, y);
        double ridge = 1 - Math.Abs(ValueNoise.Fractal(across * 16, along * 6, seed + 29, 2));
        ridge *= ridge; ridge *= ridge; ridge *= ridge; // ^8: thin lines
        double fine = ValueNoise.Value(x / (3.0 * px), y / (3.0 * px), seed + 17);
        return ridge + 0.25 * fine;
    }

    private static double GlandField(Geometry g, double x, double y, double rho, int seed)
    {
        // Streaks radiating from the nipple: slow along the radius, fast across it.
        // Arc length across the radius keeps the streak width constant in pixels.
        (double across, double along) = g.NippleCoordinates(x, y);
        double streaks = ValueNoise.Fractal(across * 22.0, along * 6.0, seed + 3, 3);
        double blobs = ValueNoise.Fractal(x / g.Width * 7.0, y / g.Width * 7.0, seed + 5, 3);
        // Prior: glandular tissue sits centrally, behind the nipple, away from skin and chest wall fat.
        double depthFraction = x / g.Depth;
        double prior = 0.9 * (1 - rho * rho) * SmoothStep(0.0, 0.35, depthFraction) * (1 - 0.35 * SmoothStep(0.85, 1.0, depthFraction));
        return 0.5 * streaks + 0.5 * blobs + prior;
    }

    private static FindingMark DrawMass(float[] image, bool[] mask, Geometry g, PhantomMass mass, int w, int h, double px)
    {
        (double cx, double cy) = g.Project(mass.Location);
        double r = mass.Radius * w;
        var rng = new Random(mass.OutlineSeed);
        var harmonics = new (double Amplitude, double Phase)[5];
        for (int k = 0; k < harmonics.Length; k++)
            harmonics[k] = (mass.Shape is MassShape.Irregular or MassShape.Spiculated ? 0.05 + 0.09 * rng.NextDouble() : 0, rng.NextDouble() * 2 * Math.PI);
        (double ax, double ay) = mass.Shape switch { MassShape.Oval => (1.35, 0.75), MassShape.Round => (1.0, 1.0), _ => (1.1, 0.9) };
        double softness = mass.Margin switch { MassMargin.Circumscribed => 0.07, MassMargin.Obscured => 0.35, _ => 0.18 };
        double amplitude = mass.Density == MassDensity.High ? 0.24 : 0.15;
        int spiculeCount = mass.Shape == MassShape.Spiculated ? 9 + rng.Next(7) : 0;
        var spicules = new (double Angle, double Length)[spiculeCount];
        for (int k = 0; k < spiculeCount; k++) spicules[k] = (rng.NextDouble() * 2 * Math.PI, r * (1.6 + 1.4 * rng.NextDouble()));
        double reach = r * (spiculeCount > 0 ? 3.1 : 1.8);
        double cos = Math.Cos(mass.Orientation), sin = Math.Sin(mass.Orientation);
        int x0 = Math.Max(0, (int)(cx - reach)), x1 = Math.Min(w - 1, (int)(cx + reach));
        int y0 = Math.Max(0, (int)(cy - reach)), y1 = Math.Min(h - 1, (int)(cy + reach));
        int noiseSeed = mass.OutlineSeed ^ 0x3C3C;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                if (!mask[y * w + x]) continue;
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                double u = (dx * cos + dy * sin) / ax, v = (-dx * sin + dy * cos) / ay;
                double phi = Math.Atan2(v, u);
                double outline = 1;
                for (int k = 0; k < harmonics.Length; k++) outline += harmonics[k].Amplitude * Math.Sin((k + 2) * phi + harmonics[k].Phase);
                double q = Math.Sqrt(u * u + v * v) / (r * outline);
                if (mass.Margin == MassMargin.Obscured) q += 0.18 * ValueNoise.Fractal(x / (2.5 * px), y / (2.5 * px), noiseSeed, 2);
                double body = 1 - SmoothStep(1 - softness, 1 + softness, q);
                double add = amplitude * body * (0.45 + 0.55 * Math.Sqrt(Math.Max(0, 1 - q * q)));
                foreach (var (angle, length) in spicules)
                {
                    double along = dx * Math.Cos(angle) + dy * Math.Sin(angle);
                    if (along < 0.6 * r || along > length) continue;
                    double across = -dx * Math.Sin(angle) + dy * Math.Cos(angle);
                    add = Math.Max(add, 0.2 * (1 - along / length) * Math.Exp(-Square(across / (0.8 * px))));
                }
                image[y * w + x] += (float)add;
            }
        return new FindingMark("mass", cx, cy, r * Math.Max(ax, 1));
    }

    private static FindingMark DrawCalcifications(float[] image, bool[] mask, Geometry g, PhantomCalcificationCluster cluster, int w, int h, double px)
    {
        (double cx, double cy) = g.Project(cluster.Location);
        double extent = 0;
        foreach (Calcification c in cluster.Calcifications)
        {
            (double ox, double oy) = g.ProjectOffset(c.AlongDepth * w, c.Lateral * w, c.Superior * w);
            double x = cx + ox, y = cy + oy;
            extent = Math.Max(extent, Math.Sqrt(ox * ox + oy * oy));
            bool elongated = cluster.Type == CalcificationType.Linear;
            double sigma = Math.Max(0.45, (elongated ? 0.45 : c.Size * 0.75) * px);
            double halfLength = elongated ? c.Size * px : 0;
            double pleoStretch = cluster.Type == CalcificationType.Pleomorphic ? 0.6 * c.Size * px : 0;
            halfLength = Math.Max(halfLength, pleoStretch);
            double reach = halfLength + 3 * sigma;
            double ux = Math.Cos(c.Angle), uy = Math.Sin(c.Angle);
            for (int yy = Math.Max(0, (int)(y - reach)); yy <= Math.Min(h - 1, (int)(y + reach)); yy++)
                for (int xx = Math.Max(0, (int)(x - reach)); xx <= Math.Min(w - 1, (int)(x + reach)); xx++)
                {
                    if (!mask[yy * w + xx]) continue;
                    double dx = xx + 0.5 - x, dy = yy + 0.5 - y;
                    double along = Math.Clamp(dx * ux + dy * uy, -halfLength, halfLength);
                    double ex = dx - along * ux, ey = dy - along * uy;
                    image[yy * w + xx] += (float)(c.Brightness * Math.Exp(-(ex * ex + ey * ey) / (2 * sigma * sigma)));
                }
        }
        return new FindingMark("calcification", cx, cy, extent + 2 * px);
    }

    private static double Upsample(float[] grid, int gw, int gh, double x, double y)
    {
        x = Math.Clamp(x, 0, gw - 1);
        y = Math.Clamp(y, 0, gh - 1);
        int ix = Math.Min((int)x, gw - 2 < 0 ? 0 : gw - 2), iy = Math.Min((int)y, gh - 2 < 0 ? 0 : gh - 2);
        double fx = x - ix, fy = y - iy;
        int ix1 = Math.Min(ix + 1, gw - 1), iy1 = Math.Min(iy + 1, gh - 1);
        double top = grid[iy * gw + ix] * (1 - fx) + grid[iy * gw + ix1] * fx;
        double bottom = grid[iy1 * gw + ix] * (1 - fx) + grid[iy1 * gw + ix1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    private static double SmoothStep(double e0, double e1, double x)
    {
        double t = Math.Clamp((x - e0) / (e1 - e0), 0, 1);
        return t * t * (3 - 2 * t);
    }

    private static double Square(double x) => x * x;

    /// <summary>The outline of one breast in one view, in pixels, chest wall at x = 0 (before mirroring).</summary>
    private sealed class Geometry
    {
        private readonly double _halfUp, _halfDown, _muscleWidth, _muscleHeight;
        private readonly bool _mlo;

        public Geometry(BreastShape shape, bool mlo, int width, int height)
        {
            _mlo = mlo;
            Width = width;
            Depth = shape.Depth * width * (mlo ? 1.06 : 1.0);
            CenterY = (mlo ? 0.6 + shape.CenterShift : 0.5 + shape.CenterShift) * height;
            _halfDown = shape.HalfHeight * height * (mlo ? 0.95 : 1.0);
            // MLO: the upper outline runs up into the axilla, past the top edge near the chest wall.
            _halfUp = mlo ? CenterY * 1.15 : _halfDown;
            _muscleWidth = shape.PectoralWidth * width;
            _muscleHeight = shape.PectoralHeight * height;
        }

        public double Width { get; }
        public double Depth { get; }
        public double CenterY { get; }

        /// <summary>Position relative to the nipple in image widths: arc length across the radius, and the radius.</summary>
        public (double Across, double Along) NippleCoordinates(double x, double y)
        {
            double dx = Depth - x, dy = y - CenterY;
            double radius = Math.Sqrt(dx * dx + dy * dy) / Width;
            // A gentle warp bends the streaks so they curve like ligaments rather than run as straight lines.
            double warp = 0.035 * ValueNoise.Value(x / Width * 5, y / Width * 5, 977);
            return (Math.Atan2(dy, Math.Max(dx, 1e-6)) * radius + warp, radius + warp);
        }

        /// <summary>Elliptic radius: below 1 inside the breast.</summary>
        public double Rho(double x, double y)
        {
            if (x < 0) return 2;
            double dy = y - CenterY;
            double half = dy < 0 ? _halfUp : _halfDown;
            double a = x / Depth, b = Math.Abs(dy) / half;
            // MLO: pull the upper outline in toward the chest wall so the breast narrows into the axilla.
            if (_mlo && dy < 0) a *= 1 + 1.8 * b * b;
            return Math.Sqrt(a * a + b * b);
        }

        public bool InMuscle(double x, double y) => _mlo && y < _muscleHeight && x < MuscleEdge(y);

        /// <summary>0 at the muscle's edge, rising to 1 toward the top chest-wall corner.</summary>
        public double MuscleDepth(double x, double y) => Math.Clamp(1 - x / Math.Max(MuscleEdge(y), 1e-6), 0, 1);

        // Slightly convex anterior edge of the pectoralis.
        private double MuscleEdge(double y) => _muscleWidth * Math.Pow(Math.Max(0, 1 - y / _muscleHeight), 0.85);

        /// <summary>The image position of a location: same depth in both views; CC shows lateral up, MLO the oblique.</summary>
        public (double X, double Y) Project(BreastLocation location)
        {
            double x = location.Depth * Depth;
            double room = _halfDown * 0.8 * Math.Sqrt(Math.Max(0.05, 1 - Math.Pow(location.Depth, 2)));
            double lateral = location.Eccentricity * Math.Cos(location.ClockAngle);
            double superior = location.Eccentricity * Math.Sin(location.ClockAngle);
            double up = _mlo ? (lateral + superior) * Math.Sqrt(0.5) : lateral;
            return (x, CenterY - up * room);
        }

        /// <summary>Projects an offset (pixels toward nipple, lateral, superior) into the image.</summary>
        public (double X, double Y) ProjectOffset(double along, double lateral, double superior) =>
            (along, -(_mlo ? (lateral + superior) * Math.Sqrt(0.5) : lateral));
    }
}
