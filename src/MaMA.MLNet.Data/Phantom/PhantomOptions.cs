namespace MaMA.MLNet.Data.Phantom;

/// <summary>Settings of the synthetic mammography phantom.</summary>
public sealed record PhantomOptions
{
    /// <summary>Image width (columns). Default 256.</summary>
    public int Width { get; init; } = 256;

    /// <summary>Image height (rows). Default 320.</summary>
    public int Height { get; init; } = 320;

    /// <summary>Significant bits of the stored values (default 12, stored in 16-bit samples).</summary>
    public int BitsStored { get; init; } = 12;

    /// <summary>Seed of the whole set; study i depends only on (Seed, i).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Relative frequency of density A-D. Default 0.2/0.3/0.3/0.2: flatter than real screening populations
    /// (about 10/40/40/10) so every class has enough examples to learn from.
    /// </summary>
    public IReadOnlyList<double> DensityWeights { get; init; } = [0.2, 0.3, 0.3, 0.2];

    /// <summary>Fraction of diagnostic (rather than screening) exams.</summary>
    public double DiagnosticFraction { get; init; } = 0.3;

    /// <summary>Probability that a breast has a mass (screening; diagnostic exams double it, at most 0.9).</summary>
    public double MassProbability { get; init; } = 0.25;

    /// <summary>Probability that a breast has a calcification cluster (screening; doubled for diagnostic).</summary>
    public double CalcificationProbability { get; init; } = 0.2;

    /// <summary>Train / validation fractions by patient (the rest is test); the reference splits 70/10/20.</summary>
    public double TrainFraction { get; init; } = 0.7;

    /// <summary>Validation fraction by patient.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>False renders the same studies without their findings (for tests and ablations).</summary>
    public bool RenderFindings { get; init; } = true;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (Width is < 32 or > 8192 || Height is < 32 or > 8192)
            throw new ArgumentOutOfRangeException(nameof(Width), $"Image size {Width}x{Height} must be 32-8192 on each side.");
        if (BitsStored is < 8 or > 16) throw new ArgumentOutOfRangeException(nameof(BitsStored), BitsStored, "Must be 8-16.");
        if (DensityWeights.Count != 4 || DensityWeights.Any(w => !(w >= 0)) || DensityWeights.Sum() <= 0)
            throw new ArgumentException("DensityWeights needs four non-negative weights with a positive sum.", nameof(DensityWeights));
        foreach (var (name, p) in new[] { (nameof(DiagnosticFraction), DiagnosticFraction), (nameof(MassProbability), MassProbability),
                     (nameof(CalcificationProbability), CalcificationProbability), (nameof(TrainFraction), TrainFraction), (nameof(ValidationFraction), ValidationFraction) })
            if (!(p is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(name, p, "Must be in [0, 1].");
        if (TrainFraction + ValidationFraction > 1) throw new ArgumentException("TrainFraction + ValidationFraction must be at most 1.");
    }
}
