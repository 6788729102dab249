namespace MaMA.MLNet.Reporting;

/// <summary>
/// Principal component analysis in plain C#: the covariance matrix of the rows and its eigenvectors by the cyclic
/// Jacobi method (exact to rounding and deterministic; O(d³) per sweep, so meant for embedding widths up to about
/// a thousand). Each component's sign is fixed so that its largest-magnitude entry is positive.
/// </summary>
public static class PrincipalComponents
{
    private const int MaxSweeps = 100;

    /// <summary>Projects <paramref name="rows"/> (all of one width) on their <paramref name="components"/> leading components.</summary>
    /// <exception cref="ArgumentException">Fewer than two rows, rows of different widths, non-finite values, or more components than dimensions.</exception>
    public static PrincipalComponentProjection Project(IReadOnlyList<float[]> rows, int components = 2)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count < 2) throw new ArgumentException($"PCA needs at least two rows, got {rows.Count}", nameof(rows));
        int d = rows[0].Length, n = rows.Count;
        if (components < 1 || components > d) throw new ArgumentOutOfRangeException(nameof(components), components, $"must be in [1, {d}]");
        var mean = new double[d];
        for (int i = 0; i < n; i++)
        {
            if (rows[i].Length != d) throw new ArgumentException($"row {i} has {rows[i].Length} values, row 0 has {d}", nameof(rows));
            for (int j = 0; j < d; j++)
            {
                if (!float.IsFinite(rows[i][j])) throw new ArgumentException($"row {i} value {j} is {rows[i][j]}", nameof(rows));
                mean[j] += rows[i][j];
            }
        }
        for (int j = 0; j < d; j++) mean[j] /= n;

        var covariance = new double[d, d];
        var centred = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) centred[j] = rows[i][j] - mean[j];
            for (int p = 0; p < d; p++)
            {
                double cp = centred[p];
                if (cp == 0) continue;
                for (int q = p; q < d; q++) covariance[p, q] += cp * centred[q];
            }
        }
        double total = 0;
        for (int p = 0; p < d; p++)
        {
            for (int q = p; q < d; q++)
            {
                covariance[p, q] /= n - 1;
                covariance[q, p] = covariance[p, q];
            }
            total += covariance[p, p];
        }

        var (values, vectors) = SymmetricEigen(covariance);
        var order = Enumerable.Range(0, d).OrderByDescending(k => values[k]).ThenBy(k => k).Take(components).ToArray();
        var axes = new double[components][];
        var variances = new double[components];
        for (int c = 0; c < components; c++)
        {
            int k = order[c];
            var axis = new double[d];
            int largest = 0;
            for (int j = 0; j < d; j++)
            {
                axis[j] = vectors[j, k];
                if (Math.Abs(axis[j]) > Math.Abs(axis[largest])) largest = j;
            }
            if (axis[largest] < 0) for (int j = 0; j < d; j++) axis[j] = -axis[j];
            axes[c] = axis;
            variances[c] = Math.Max(0, values[k]);
        }

        var coordinates = new double[n][];
        for (int i = 0; i < n; i++)
        {
            coordinates[i] = new double[components];
            for (int c = 0; c < components; c++)
            {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += (rows[i][j] - mean[j]) * axes[c][j];
                coordinates[i][c] = dot;
            }
        }
        return new PrincipalComponentProjection(coordinates, axes, variances, total);
    }

    /// <summary>
    /// Eigenvalues and eigenvectors (columns of the second result) of the symmetric matrix <paramref name="a"/>,
    /// which is overwritten. Cyclic Jacobi rotations until the off-diagonal part is negligible.
    /// </summary>
    internal static (double[] Values, double[,] Vectors) SymmetricEigen(double[,] a)
    {
        int d = a.GetLength(0);
        var v = new double[d, d];
        for (int i = 0; i < d; i++) v[i, i] = 1;
        double scale = 0;
        for (int p = 0; p < d; p++) for (int q = 0; q < d; q++) scale += a[p, q] * a[p, q];
        for (int sweep = 0; sweep < MaxSweeps && scale > 0; sweep++)
        {
            double off = 0;
            for (int p = 0; p < d; p++) for (int q = p + 1; q < d; q++) off += a[p, q] * a[p, q];
            if (off <= 1e-30 * scale) break;
            for (int p = 0; p < d - 1; p++)
            {
                for (int q = p + 1; q < d; q++)
                {
                    double apq = a[p, q];
                    if (Math.Abs(apq) <= 1e-300) continue;
                    // The rotation that zeroes a[p,q]: t = tan(angle), the smaller root of t^2 + 2 theta t - 1 = 0.
                    double theta = (a[q, q] - a[p, p]) / (2 * apq);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < d; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < d; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < d; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        var values = new double[d];
        for (int i = 0; i < d; i++) values[i] = a[i, i];
        return (values, v);
    }
}
