using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>Where a finding was drawn in an image (pixel coordinates of the rendered, oriented image).</summary>
/// <param name="Kind">"mass" or "calcification".</param>
/// <param name="X">Column of the centre.</param>
/// <param name="Y">Row of the centre.</param>
/// <param name="Radius">Radius in pixels of the region it covers.</param>
public readonly record struct FindingMark(string Kind, double X, double Y, double Radius);

/// <summary>One rendered phantom image with its ground truth.</summary>
/// <param name="Side">Laterality.</param>
/// <param name="View">CC or MLO.</param>
/// <param name="Frame">Stored values (BitsStored of the options, unsigned, MONOCHROME2: brighter is denser).</param>
/// <param name="GlandularFraction">Measured fraction of breast pixels (pectoral muscle excluded) that are fibroglandular.</param>
/// <param name="BreastPixels">Number of breast pixels (muscle excluded).</param>
/// <param name="Findings">Where each finding was drawn.</param>
public sealed record PhantomImage(Laterality Side, string View, GrayscaleFrame Frame, double GlandularFraction, int BreastPixels,
    IReadOnlyList<FindingMark> Findings);
