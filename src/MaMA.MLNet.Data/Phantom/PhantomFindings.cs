namespace MaMA.MLNet.Data.Phantom;

/// <summary>Mass shapes the phantom draws (BI-RADS lexicon; spiculated stands for an irregular spiculated mass).</summary>
public enum MassShape
{
    /// <summary>Round.</summary>
    Round,
    /// <summary>Oval.</summary>
    Oval,
    /// <summary>Irregular outline.</summary>
    Irregular,
    /// <summary>Irregular core with spicules.</summary>
    Spiculated,
}

/// <summary>Mass margins.</summary>
public enum MassMargin
{
    /// <summary>Sharp edge.</summary>
    Circumscribed,
    /// <summary>Edge blurred into the tissue.</summary>
    Obscured,
    /// <summary>Radiating lines.</summary>
    Spiculated,
}

/// <summary>Mass density relative to glandular tissue.</summary>
public enum MassDensity
{
    /// <summary>Denser than tissue.</summary>
    High,
    /// <summary>About as dense as tissue.</summary>
    Equal,
}

/// <summary>Calcification morphology.</summary>
public enum CalcificationType
{
    /// <summary>Small round dots.</summary>
    Punctate,
    /// <summary>Tiny faint specks.</summary>
    Amorphous,
    /// <summary>Varied sizes and shapes.</summary>
    Pleomorphic,
    /// <summary>Thin short lines (fine linear branching).</summary>
    Linear,
}

/// <summary>Calcification distribution.</summary>
public enum CalcificationDistribution
{
    /// <summary>A small group.</summary>
    Grouped,
    /// <summary>Along a line toward the nipple.</summary>
    Linear,
    /// <summary>A wedge pointing to the nipple (a duct and its branches).</summary>
    Segmental,
    /// <summary>Scattered over a large region.</summary>
    Regional,
}

/// <summary>
/// Where a finding sits in the breast, the same for both views: <paramref name="Depth"/> from the chest wall
/// (0) to the nipple (1); <paramref name="ClockAngle"/> the angle around the chest-wall-to-nipple axis
/// (radians; 0 = lateral, π/2 = superior, as a clock face seen from the front has it up to mirroring by side);
/// <paramref name="Eccentricity"/> the distance from that axis as a fraction of the breast's half-height.
/// </summary>
public readonly record struct BreastLocation(double Depth, double ClockAngle, double Eccentricity)
{
    /// <summary>The o'clock position (1-12) as a radiologist reads it facing the patient.</summary>
    public int Clock(Manifest.Laterality side)
    {
        // Facing the patient, lateral is at 9 o'clock on the right breast and at 3 o'clock on the left.
        double degrees = ClockAngle * 180 / Math.PI;
        double fromTwelve = side == Manifest.Laterality.Right ? degrees - 90 : 90 - degrees;
        int clock = (int)Math.Round(((fromTwelve % 360) + 360) % 360 / 30.0) % 12;
        return clock == 0 ? 12 : clock;
    }
}

/// <summary>A mass.</summary>
/// <param name="Location">Where it is.</param>
/// <param name="Radius">Radius as a fraction of the image width.</param>
/// <param name="Shape">Shape.</param>
/// <param name="Margin">Margin.</param>
/// <param name="Density">Density.</param>
/// <param name="Orientation">Long-axis angle in the image (radians), for oval and irregular outlines.</param>
/// <param name="OutlineSeed">Seed of the outline's irregularity and spicules.</param>
/// <param name="Suspicion">BI-RADS level its look suggests (2-5).</param>
/// <param name="Malignant">Ground truth.</param>
public sealed record PhantomMass(BreastLocation Location, double Radius, MassShape Shape, MassMargin Margin, MassDensity Density,
    double Orientation, int OutlineSeed, int Suspicion, bool Malignant);

/// <summary>One calcification, as an offset from its cluster centre in breast units (fractions of the image width).</summary>
/// <param name="AlongDepth">Offset toward the nipple.</param>
/// <param name="Lateral">Offset toward lateral.</param>
/// <param name="Superior">Offset toward superior.</param>
/// <param name="Size">Radius (or half length for linear ones) in pixels at 256 px width.</param>
/// <param name="Angle">In-plane angle of an elongated calcification.</param>
/// <param name="Brightness">Added intensity (0-1).</param>
public readonly record struct Calcification(double AlongDepth, double Lateral, double Superior, double Size, double Angle, double Brightness);

/// <summary>A calcification cluster.</summary>
/// <param name="Location">Where its centre is.</param>
/// <param name="Type">Morphology.</param>
/// <param name="Distribution">Distribution.</param>
/// <param name="Calcifications">The individual calcifications.</param>
/// <param name="Suspicion">BI-RADS level its look suggests (2-5).</param>
/// <param name="Malignant">Ground truth.</param>
public sealed record PhantomCalcificationCluster(BreastLocation Location, CalcificationType Type, CalcificationDistribution Distribution,
    IReadOnlyList<Calcification> Calcifications, int Suspicion, bool Malignant);
