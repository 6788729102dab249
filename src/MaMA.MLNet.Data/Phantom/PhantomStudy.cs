using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>The shape of one breast, shared by its CC and MLO views (fractions of image width / height).</summary>
/// <param name="Depth">Chest wall to nipple, fraction of the image width (CC; MLO is a little deeper).</param>
/// <param name="HalfHeight">Half the breast's extent along the chest wall on CC, fraction of the image height.</param>
/// <param name="CenterShift">Vertical shift of the breast centre from the image middle, fraction of the height.</param>
/// <param name="PectoralWidth">MLO pectoral muscle width at the top edge, fraction of the width.</param>
/// <param name="PectoralHeight">MLO pectoral muscle height along the chest wall, fraction of the height.</param>
/// <param name="TextureSeed">Seed of the tissue texture.</param>
public sealed record BreastShape(double Depth, double HalfHeight, double CenterShift,
    double PectoralWidth, double PectoralHeight, int TextureSeed);

/// <summary>One breast of a study: shape, findings, and the labels derived from them.</summary>
/// <param name="Side">Left or right.</param>
/// <param name="Shape">Outline.</param>
/// <param name="Masses">Masses.</param>
/// <param name="Calcifications">Calcification clusters.</param>
/// <param name="BiRads">Assessment derived from the findings and the exam reason.</param>
/// <param name="Cancer">True when a finding is malignant.</param>
public sealed record PhantomBreast(Laterality Side, BreastShape Shape, IReadOnlyList<PhantomMass> Masses,
    IReadOnlyList<PhantomCalcificationCluster> Calcifications, int BiRads, bool Cancer);

/// <summary>A synthetic study: patient, exam, density and both breasts (each imaged CC and MLO).</summary>
/// <param name="Index">Position in the generated set.</param>
/// <param name="PatientId">Patient identifier.</param>
/// <param name="StudyId">Study identifier.</param>
/// <param name="Age">Age in years.</param>
/// <param name="Race">Race.</param>
/// <param name="Ethnicity">Ethnicity.</param>
/// <param name="Reason">Screening or diagnostic.</param>
/// <param name="Density">Breast density 1-4 (A-D).</param>
/// <param name="GlandularFraction">Target fraction of breast area that is fibroglandular.</param>
/// <param name="Split">Data set split.</param>
/// <param name="Left">The left breast.</param>
/// <param name="Right">The right breast.</param>
public sealed record PhantomStudy(int Index, string PatientId, string StudyId, int Age, string Race, string Ethnicity,
    ExamReason Reason, int Density, double GlandularFraction, DatasetSplit Split, PhantomBreast Left, PhantomBreast Right)
{
    /// <summary>The standard views, in the order images are written.</summary>
    public static IReadOnlyList<string> Views { get; } = ["CC", "MLO"];

    /// <summary>The breast of a side.</summary>
    public PhantomBreast Breast(Laterality side) => side == Laterality.Left ? Left : Right;

    /// <summary>The procedure description written to the manifest.</summary>
    public string Procedure => Reason == ExamReason.Screening ? "MG Screening Bilateral" : "MG Diagnostic Bilateral";

    /// <summary>The manifest record of one image of this study.</summary>
    public MammogramRecord Record(Laterality side, string view, string imagePath)
    {
        PhantomBreast b = Breast(side);
        PhantomMass? mass = b.Masses.OrderByDescending(m => m.Suspicion).FirstOrDefault();
        PhantomCalcificationCluster? calc = b.Calcifications.OrderByDescending(c => c.Suspicion).FirstOrDefault();
        return new MammogramRecord
        {
            ImagePath = imagePath,
            PatientId = PatientId,
            StudyId = StudyId,
            Laterality = side,
            View = view,
            ImageType = "2D",
            Procedure = Procedure,
            Reason = Reason,
            Age = Age,
            Race = Race,
            Ethnicity = Ethnicity,
            Density = Density,
            BiRads = b.BiRads,
            MassShape = mass?.Shape.ToString().ToLowerInvariant(),
            MassMargin = mass?.Margin.ToString().ToLowerInvariant(),
            MassDensity = mass is null ? null : mass.Density == MassDensity.High ? "high density" : "equal density",
            CalcificationType = calc?.Type.ToString().ToLowerInvariant(),
            CalcificationDistribution = calc?.Distribution.ToString().ToLowerInvariant(),
            Cancer = b.Cancer,
            Split = Split,
        };
    }
}
