namespace MaMA.MLNet.Reporting.Tests;

[TestClass]
public sealed class PrincipalComponentsTests
{
    // Orthogonal, zero-mean ±1 patterns over 8 rows (columns of a Hadamard matrix).
    private static readonly double[] H1 = [1, -1, 1, -1, 1, -1, 1, -1];
    private static readonly double[] H2 = [1, 1, -1, -1, 1, 1, -1, -1];
    private static readonly double[] H3 = [1, 1, 1, 1, -1, -1, -1, -1];

    /// <summary>An orthonormal basis of R^d from Gram-Schmidt on seeded random vectors.</summary>
    private static double[][] Basis(int d, int count, int seed)
    {
        var random = new Random(seed);
        var basis = new List<double[]>();
        while (basis.Count < count)
        {
            var v = Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5).ToArray();
            foreach (var b in basis)
            {
                double dot = v.Zip(b, (x, y) => x * y).Sum();
                for (int j = 0; j < d; j++) v[j] -= dot * b[j];
            }
            double norm = Math.Sqrt(v.Sum(x => x * x));
            basis.Add(v.Select(x => x / norm).ToArray());
        }
        return basis.ToArray();
    }

    private static List<float[]> Rows(double[] mean, params (double Scale, double[] Pattern, double[] Direction)[] parts) =>
        Enumerable.Range(0, 8).Select(i =>
        {
            var row = (double[])mean.Clone();
            foreach (var (scale, pattern, direction) in parts)
                for (int j = 0; j < row.Length; j++) row[j] += scale * pattern[i] * direction[j];
            return row.Select(x => (float)x).ToArray();
        }).ToList();

    [TestMethod]
    public void PointsOnAPlaneProjectOntoThePlaneAxesWithTheirOwnCoordinates()
    {
        // x_i = m + 3 h1_i u + 1 h2_i v with u ⟂ v unit vectors in R^6: the covariance has rank two, its leading
        // eigenvector is ±u (variance 9·8/7), the next ±v (8/7), and the coordinates are ±3 h1 and ±h2.
        var basis = Basis(6, 2, seed: 11);
        double[] mean = [0.5, -1, 2, 0, 0.25, 3];
        var rows = Rows(mean, (3, H1, basis[0]), (1, H2, basis[1]));
        var p = PrincipalComponents.Project(rows, 2);

        Assert.AreEqual(9.0 * 8 / 7, p.Variances[0], 1e-5);
        Assert.AreEqual(8.0 / 7, p.Variances[1], 1e-5);
        Assert.AreEqual(1.0, p.ExplainedVarianceRatio(0) + p.ExplainedVarianceRatio(1), 1e-6);
        for (int c = 0; c < 2; c++)
        {
            double alignment = p.Components[c].Zip(basis[c], (x, y) => x * y).Sum();
            Assert.AreEqual(1.0, Math.Abs(alignment), 1e-6, $"component {c}");
            double sign = Math.Sign(alignment);
            var expected = c == 0 ? H1.Select(h => 3 * h) : H2.Select(h => h);
            foreach (var (got, want) in p.Coordinates.Select(r => r[c]).Zip(expected))
                Assert.AreEqual(sign * want, got, 1e-5);
        }
    }

    [TestMethod]
    public void ExplainedVarianceRatiosMatchTheKnownSpectrum()
    {
        // Three orthogonal directions with variances in the ratio 9 : 4 : 1 (scales 3, 2, 1).
        var basis = Basis(5, 3, seed: 3);
        var rows = Rows(new double[5], (2, H2, basis[1]), (3, H1, basis[0]), (1, H3, basis[2]));
        var p = PrincipalComponents.Project(rows, 3);
        Assert.AreEqual(9.0 / 14, p.ExplainedVarianceRatio(0), 1e-6);
        Assert.AreEqual(4.0 / 14, p.ExplainedVarianceRatio(1), 1e-6);
        Assert.AreEqual(1.0 / 14, p.ExplainedVarianceRatio(2), 1e-6);
        Assert.AreEqual(14.0 * 8 / 7, p.TotalVariance, 1e-5);
        // Components are unit length and orthogonal.
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                Assert.AreEqual(a == b ? 1.0 : 0.0, p.Components[a].Zip(p.Components[b], (x, y) => x * y).Sum(), 1e-9);
    }

    [TestMethod]
    public void EachComponentHasItsLargestEntryPositive()
    {
        var basis = Basis(4, 2, seed: 8);
        var flipped = basis.Select(b => b.Select(x => -x).ToArray()).ToArray();
        var p = PrincipalComponents.Project(Rows(new double[4], (3, H1, flipped[0]), (1, H2, flipped[1])), 2);
        foreach (var axis in p.Components)
            Assert.IsGreaterThan(0.0, axis.OrderByDescending(Math.Abs).First());
    }

    [TestMethod]
    public void SymmetricEigenSolvesAKnownMatrix()
    {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3 with eigenvectors (1, -1)/√2 and (1, 1)/√2.
        var (values, vectors) = PrincipalComponents.SymmetricEigen(new double[,] { { 2, 1 }, { 1, 2 } });
        var sorted = values.Select((v, i) => (v, i)).OrderBy(x => x.v).ToArray();
        Assert.AreEqual(1.0, sorted[0].v, 1e-12);
        Assert.AreEqual(3.0, sorted[1].v, 1e-12);
        int big = sorted[1].i;
        Assert.AreEqual(Math.Abs(vectors[0, big]), Math.Abs(vectors[1, big]), 1e-12);
        Assert.AreEqual(Math.Sign(vectors[0, big]), Math.Sign(vectors[1, big]));
    }

    [TestMethod]
    public void BadInputIsRefused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => PrincipalComponents.Project([new float[] { 1, 2 }]));
        Assert.ThrowsExactly<ArgumentException>(() => PrincipalComponents.Project([new float[] { 1, 2 }, new float[] { 1 }]));
        Assert.ThrowsExactly<ArgumentException>(() => PrincipalComponents.Project([new float[] { 1, float.NaN }, new float[] { 1, 2 }]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PrincipalComponents.Project([new float[] { 1, 2 }, new float[] { 3, 4 }], 3));
    }
}
