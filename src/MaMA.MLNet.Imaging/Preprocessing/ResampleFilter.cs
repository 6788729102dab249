namespace MaMA.MLNet.Imaging.Preprocessing;

/// <summary>
/// Interpolation kernels for <see cref="Resampler"/>. When shrinking, each kernel is stretched by the scale
/// factor so every input pixel contributes (antialiasing), as PIL and torchvision's <c>antialias=True</c> do.
/// </summary>
public enum ResampleFilter
{
    /// <summary>Box (area averaging): an integer-factor shrink gives exact block means.</summary>
    Box,
    /// <summary>Triangle, PIL's BILINEAR: what torchvision's <c>Resize</c> applies to PIL images (the reference's path).</summary>
    Bilinear,
    /// <summary>Cubic convolution with a = -0.5, PIL's BICUBIC.</summary>
    Bicubic,
    /// <summary>Lanczos with 3 lobes, PIL's LANCZOS.</summary>
    Lanczos3,
}
