using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Preprocessing;

/// <summary>How the cropped breast becomes a square model input.</summary>
public enum SquareResize
{
    /// <summary>
    /// Resize both sides to <see cref="PreprocessingOptions.ResizeSize"/> (aspect ratio not kept), then centre-crop
    /// <see cref="PreprocessingOptions.ImageSize"/>: the reference's eval transform,
    /// <c>Resize((img_size, img_size))</c> then <c>CenterCrop(crop_size)</c>.
    /// </summary>
    Stretch,
    /// <summary>Resize the shorter side to <see cref="PreprocessingOptions.ResizeSize"/> keeping the aspect ratio, then centre-crop.</summary>
    ShorterSideThenCenterCrop,
}

/// <summary>Which evidence decides whether an image is mirrored so the breast lies on the left.</summary>
public enum OrientationSource
{
    /// <summary>
    /// Laterality when the header knows it (Right images are mirrored: as displayed, the chest wall of a right
    /// breast image is at the right edge), else the foreground mass.
    /// </summary>
    LateralityThenMass,
    /// <summary>
    /// Only the foreground mass: mirrored when the right half holds more foreground pixels than the left (what
    /// the reference's <c>right_orient_mammogram</c> does). Robust to files stored with unusual orientation.
    /// </summary>
    Mass,
}

/// <summary>Settings of <see cref="MammogramPreprocessor"/>. The defaults give the reference's eval input at 518 px.</summary>
public sealed record PreprocessingOptions
{
    /// <summary>Side of the square model input; 518 for DINOv2 ViT-B/14 (37 x 14). Must be positive.</summary>
    public int ImageSize { get; init; } = 518;

    /// <summary>
    /// Side the square resize aims at before the centre crop; null means <see cref="ImageSize"/> (the
    /// reference uses one value for both). Must be at least <see cref="ImageSize"/>.
    /// </summary>
    public int? ResizeSize { get; init; }

    /// <summary>How the crop becomes square; <see cref="SquareResize.Stretch"/> like the reference.</summary>
    public SquareResize SquareResize { get; init; } = SquareResize.Stretch;

    /// <summary>
    /// Resize the rendered image so its long side is this many pixels before cropping, as the reference's
    /// offline conversion of EMBED did (1024); 0 skips the step.
    /// </summary>
    public int LongSide { get; init; } = 1024;

    /// <summary>Crop to the bounding box of the Otsu foreground (the breast). On by default, as in the reference.</summary>
    public bool CropToBreast { get; init; } = true;

    /// <summary>Mirror images so the breast lies on the left. Off by default (the reference's eval transform does not).</summary>
    public bool AlignOrientation { get; init; }

    /// <summary>What decides the mirroring when <see cref="AlignOrientation"/> is on.</summary>
    public OrientationSource OrientationSource { get; init; } = OrientationSource.LateralityThenMass;

    /// <summary>Resampling kernel for both resizes; PIL's bilinear (antialiased), which torchvision applies to PIL images.</summary>
    public ResampleFilter Filter { get; init; } = ResampleFilter.Bilinear;

    /// <summary>How stored values become [0, 1] display values (window index, VOI source, fallback, inversion).</summary>
    public RenderOptions Render { get; init; } = RenderOptions.Default;

    /// <summary>Normalisation mean, per channel (all three equal because the channels are copies).</summary>
    public float Mean { get; init; } = 0.5f;

    /// <summary>Normalisation standard deviation, per channel.</summary>
    public float Std { get; init; } = 0.5f;

    /// <summary>The defaults.</summary>
    public static PreprocessingOptions Default { get; } = new();

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, ResizeSize is below ImageSize, or Std is not positive.</exception>
    public void Validate()
    {
        if (ImageSize <= 0) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "Image size must be positive.");
        if (ResizeSize is { } r && r < ImageSize) throw new ArgumentOutOfRangeException(nameof(ResizeSize), r, $"Resize size must be at least the image size {ImageSize}.");
        if (LongSide < 0) throw new ArgumentOutOfRangeException(nameof(LongSide), LongSide, "Long side must be 0 (skip) or positive.");
        if (!(Std > 0)) throw new ArgumentOutOfRangeException(nameof(Std), Std, "Standard deviation must be positive.");
    }
}
