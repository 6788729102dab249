namespace MaMA.MLNet.Reporting;

/// <summary>Rows projected on their leading principal components.</summary>
/// <param name="Coordinates">Coordinates[row][component]: the centred row dotted with each component.</param>
/// <param name="Components">Components[component][dimension]: unit eigenvectors of the covariance, largest variance first.</param>
/// <param name="Variances">The variance along each component (its covariance eigenvalue, divisor n - 1).</param>
/// <param name="TotalVariance">The trace of the covariance: the variance over all dimensions.</param>
public sealed record PrincipalComponentProjection(double[][] Coordinates, double[][] Components, double[] Variances, double TotalVariance)
{
    /// <summary>The fraction of <see cref="TotalVariance"/> along component <paramref name="component"/> (NaN when the data has none).</summary>
    public double ExplainedVarianceRatio(int component) => TotalVariance > 0 ? Variances[component] / TotalVariance : double.NaN;
}
