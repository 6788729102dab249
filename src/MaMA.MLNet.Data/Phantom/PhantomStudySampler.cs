using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>
/// Draws plausible synthetic studies: patient (age, race, ethnicity), exam reason, density, breast shapes,
/// findings, and the BI-RADS and cancer labels that follow from the findings:
/// <list type="bullet">
/// <item>Suspicion by look: round or oval circumscribed mass 2, obscured 3, irregular 4, spiculated 5;
/// punctate calcifications 2 (3 when linear or segmental), amorphous 3 (4), pleomorphic 4 (5), linear 5.</item>
/// <item>Malignant with probability 0 / 0.02 / 0.3 / 0.9 for suspicion 2 / 3 / 4 / 5; cancer = any malignant finding.</item>
/// <item>BI-RADS of a breast: 1 without findings; screening: 2 when the highest suspicion is 2, otherwise 0
/// (recall for additional imaging); diagnostic: the highest suspicion, or 6 (known biopsy-proven cancer) for
/// a malignant breast with probability 0.35.</item>
/// </list>
/// </summary>
public static class PhantomStudySampler
{
    private static readonly (string Race, double Weight)[] Races =
    [
        ("African American or Black", 0.42), ("Caucasian or White", 0.39), ("Asian", 0.07),
        ("Native Hawaiian or Other Pacific Islander", 0.01), ("American Indian or Alaskan Native", 0.01), ("Multiple", 0.02),
        ("Unknown, Unavailable or Unreported", 0.08),
    ];

    /// <summary>Study <paramref name="index"/> of the set seeded by <see cref="PhantomOptions.Seed"/>.</summary>
    public static PhantomStudy Sample(int index, PhantomOptions options)
    {
        var rng = new Random(Mix(options.Seed, index, 0x5EED));
        int age = (int)Math.Clamp(Math.Round(Normal(rng, 58, 11)), 35, 90);
        string race = Pick(rng, Races);
        string ethnicity = rng.NextDouble() < 0.06 ? "Hispanic or Latino" : "Non-Hispanic or Latino";
        ExamReason reason = rng.NextDouble() < options.DiagnosticFraction ? ExamReason.Diagnostic : ExamReason.Screening;
        int density = 1 + PickIndex(rng, options.DensityWeights);
        double fraction = density switch
        {
            1 => Uniform(rng, 0.04, 0.18),
            2 => Uniform(rng, 0.30, 0.45),
            3 => Uniform(rng, 0.56, 0.70),
            _ => Uniform(rng, 0.80, 0.92),
        };
        double splitDraw = rng.NextDouble();
        DatasetSplit split = splitDraw < options.TrainFraction ? DatasetSplit.Train
            : splitDraw < options.TrainFraction + options.ValidationFraction ? DatasetSplit.Validation : DatasetSplit.Test;

        // One body habitus, two slightly different breasts.
        double depth = Uniform(rng, 0.55, 0.82), halfHeight = Uniform(rng, 0.33, 0.43);
        double pectoralWidth = Uniform(rng, 0.36, 0.5), pectoralHeight = Uniform(rng, 0.4, 0.55);
        PhantomBreast Breast(Laterality side)
        {
            var shape = new BreastShape(depth * Uniform(rng, 0.95, 1.05), halfHeight * Uniform(rng, 0.96, 1.04), Uniform(rng, -0.04, 0.04),
                pectoralWidth * Uniform(rng, 0.9, 1.1), pectoralHeight * Uniform(rng, 0.9, 1.1), rng.Next());
            double boost = reason == ExamReason.Diagnostic ? 2 : 1;
            var masses = new List<PhantomMass>();
            var calcs = new List<PhantomCalcificationCluster>();
            if (rng.NextDouble() < Math.Min(0.9, options.MassProbability * boost)) masses.Add(SampleMass(rng));
            if (rng.NextDouble() < Math.Min(0.9, options.CalcificationProbability * boost)) calcs.Add(SampleCalcifications(rng));
            bool cancer = masses.Any(m => m.Malignant) || calcs.Any(c => c.Malignant);
            int suspicion = masses.Select(m => m.Suspicion).Concat(calcs.Select(c => c.Suspicion)).DefaultIfEmpty(1).Max();
            int biRads = suspicion == 1 ? 1
                : reason == ExamReason.Screening ? (suspicion == 2 ? 2 : 0)
                : cancer && rng.NextDouble() < 0.35 ? 6 : suspicion;
            return new PhantomBreast(side, shape, masses, calcs, biRads, cancer);
        }
        PhantomBreast left = Breast(Laterality.Left), right = Breast(Laterality.Right);
        return new PhantomStudy(index, $"P{index + 1:D6}", $"S{index + 1:D6}", age, race, ethnicity, reason, density, fraction, split, left, right);
    }

    private static PhantomMass SampleMass(Random rng)
    {
        var shape = (MassShape)PickIndex(rng, [0.25, 0.3, 0.25, 0.2]);
        MassMargin margin = shape switch
        {
            MassShape.Spiculated => MassMargin.Spiculated,
            MassShape.Irregular => MassMargin.Obscured,
            _ => rng.NextDouble() < 0.65 ? MassMargin.Circumscribed : MassMargin.Obscured,
        };
        int suspicion = shape switch
        {
            MassShape.Spiculated => 5,
            MassShape.Irregular => 4,
            _ => margin == MassMargin.Circumscribed ? 2 : 3,
        };
        var density = shape is MassShape.Irregular or MassShape.Spiculated || rng.NextDouble() < 0.5 ? MassDensity.High : MassDensity.Equal;
        return new PhantomMass(SampleLocation(rng), Uniform(rng, 0.035, 0.07), shape, margin, density, Uniform(rng, 0, Math.PI),
            rng.Next(), suspicion, Malignant(rng, suspicion));
    }

    private static PhantomCalcificationCluster SampleCalcifications(Random rng)
    {
        var type = (CalcificationType)PickIndex(rng, [0.35, 0.25, 0.25, 0.15]);
        var distribution = (CalcificationDistribution)PickIndex(rng, [0.45, 0.2, 0.15, 0.2]);
        bool ductal = distribution is CalcificationDistribution.Linear or CalcificationDistribution.Segmental;
        int suspicion = type switch
        {
            CalcificationType.Punctate => ductal ? 3 : 2,
            CalcificationType.Amorphous => ductal ? 4 : 3,
            CalcificationType.Pleomorphic => ductal ? 5 : 4,
            _ => 5,
        };
        int count = distribution switch
        {
            CalcificationDistribution.Grouped => rng.Next(6, 14),
            CalcificationDistribution.Linear => rng.Next(7, 14),
            CalcificationDistribution.Segmental => rng.Next(14, 26),
            _ => rng.Next(16, 30),
        };
        var calcs = new Calcification[count];
        for (int i = 0; i < count; i++)
        {
            // Offsets in fractions of the image width.
            (double along, double lateral, double superior) = distribution switch
            {
                CalcificationDistribution.Grouped => (Normal(rng, 0, 0.012), Normal(rng, 0, 0.012), Normal(rng, 0, 0.012)),
                CalcificationDistribution.Linear => (Uniform(rng, -0.06, 0.06), Normal(rng, 0, 0.003), Normal(rng, 0, 0.003)),
                CalcificationDistribution.Segmental => SegmentOffset(rng),
                _ => (Uniform(rng, -0.07, 0.07), Uniform(rng, -0.06, 0.06), Uniform(rng, -0.06, 0.06)),
            };
            (double size, double brightness) = type switch
            {
                CalcificationType.Punctate => (Uniform(rng, 0.7, 1.0), Uniform(rng, 0.38, 0.5)),
                CalcificationType.Amorphous => (Uniform(rng, 0.5, 0.75), Uniform(rng, 0.16, 0.24)),
                CalcificationType.Pleomorphic => (Uniform(rng, 0.5, 1.4), Uniform(rng, 0.3, 0.55)),
                _ => (Uniform(rng, 1.2, 2.6), Uniform(rng, 0.4, 0.55)),
            };
            // Linear calcifications lie along the duct (toward the nipple), others at random angles.
            double angle = type == CalcificationType.Linear && ductal ? Normal(rng, 0, 0.3) : Uniform(rng, 0, Math.PI);
            calcs[i] = new Calcification(along, lateral, superior, size, angle, brightness);
        }
        return new PhantomCalcificationCluster(SampleLocation(rng), type, distribution, calcs, suspicion, Malignant(rng, suspicion));
    }

    private static (double, double, double) SegmentOffset(Random rng)
    {
        double t = Uniform(rng, 0, 0.16); // from the apex toward the chest wall, widening
        return (-t + 0.08, Normal(rng, 0, 0.15 * t + 0.003), Normal(rng, 0, 0.15 * t + 0.003));
    }

    private static BreastLocation SampleLocation(Random rng) =>
        new(Uniform(rng, 0.2, 0.75), Uniform(rng, -Math.PI, Math.PI), Math.Sqrt(rng.NextDouble()) * 0.7);

    private static bool Malignant(Random rng, int suspicion) =>
        rng.NextDouble() < suspicion switch { 2 => 0.0, 3 => 0.02, 4 => 0.3, _ => 0.9 };

    internal static int Mix(int seed, int index, int salt)
    {
        unchecked
        {
            uint h = (uint)seed * 0x9E3779B1u ^ (uint)index * 0x85EBCA77u ^ (uint)salt * 0xC2B2AE3Du;
            h ^= h >> 16; h *= 0x7FEB352Du; h ^= h >> 15; h *= 0x846CA68Bu; h ^= h >> 16;
            return (int)(h & 0x7FFFFFFF);
        }
    }

    internal static double Uniform(Random rng, double min, double max) => min + (max - min) * rng.NextDouble();

    internal static double Normal(Random rng, double mean, double sd)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static int PickIndex(Random rng, IReadOnlyList<double> weights)
    {
        double u = rng.NextDouble() * weights.Sum();
        for (int i = 0; i < weights.Count; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        return weights.Count - 1;
    }

    private static string Pick(Random rng, (string Value, double Weight)[] items) => items[PickIndex(rng, [.. items.Select(i => i.Weight)])].Value;
}
