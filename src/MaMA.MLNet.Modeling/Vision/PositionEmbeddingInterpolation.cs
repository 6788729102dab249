using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// Resizes learned position embeddings from their pretraining grid to another patch grid, as DINOv2's
/// <c>interpolate_pos_encoding</c>: the CLS entry is kept, the M x M patch entries are treated as a D-channel image
/// and resized bicubically (align_corners false), with antialiasing when asked (libtorch's separable
/// <c>_upsample_bicubic2d_aa</c> kernel, Keys a = -0.5, support widened by the scale when shrinking).
/// Works in float32 and returns the input's dtype.
/// </summary>
public static class PositionEmbeddingInterpolation
{
    /// <summary>
    /// Returns embeddings [1, 1 + gridHeight*gridWidth, D] for a gridHeight x gridWidth patch grid from
    /// <paramref name="positionEmbedding"/> [1, 1 + M*M, D]. Returns a new handle to the same values when the grid
    /// already is M x M.
    /// </summary>
    /// <param name="positionEmbedding">The learned embeddings: CLS first, then patches in row-major order.</param>
    /// <param name="gridHeight">Target rows of patches.</param>
    /// <param name="gridWidth">Target columns of patches.</param>
    /// <param name="antialias">Antialiased bicubic (DINOv2 <c>interpolate_antialias</c>).</param>
    /// <param name="offset">DINOv2 <c>interpolate_offset</c>: when positive the scale factor (grid + offset) / M is used.</param>
    public static Tensor Interpolate(Tensor positionEmbedding, long gridHeight, long gridWidth, bool antialias = true, double offset = 0.0)
    {
        if (positionEmbedding.dim() != 3 || positionEmbedding.shape[0] != 1)
            throw new ArgumentException($"Position embeddings must be shaped [1, 1 + M*M, D], got [{string.Join(", ", positionEmbedding.shape)}].");
        long patches = positionEmbedding.shape[1] - 1, dim = positionEmbedding.shape[2];
        long m = SquareSide(patches);
        if (gridHeight <= 0 || gridWidth <= 0) throw new ArgumentException($"Target grid {gridHeight}x{gridWidth} must be positive.");
        if (gridHeight == m && gridWidth == m) return positionEmbedding.alias();

        using var scope = NewDisposeScope();
        var asFloat = positionEmbedding.to(ScalarType.Float32);
        var cls = asFloat[.., ..1, ..];
        var grid = asFloat[.., 1.., ..].reshape(1, m, m, dim).permute(0, 3, 1, 2);
        Tensor resized = offset > 0
            ? nn.functional.interpolate(grid, scale_factor: [(gridHeight + offset) / m, (gridWidth + offset) / m],
                mode: InterpolationMode.Bicubic, align_corners: false, antialias: antialias)
            : nn.functional.interpolate(grid, size: [gridHeight, gridWidth],
                mode: InterpolationMode.Bicubic, align_corners: false, antialias: antialias);
        if (resized.shape[2] != gridHeight || resized.shape[3] != gridWidth)
            throw new InvalidOperationException($"Interpolation produced a {resized.shape[2]}x{resized.shape[3]} grid, expected {gridHeight}x{gridWidth}.");
        var patchEmbedding = resized.permute(0, 2, 3, 1).reshape(1, gridHeight * gridWidth, dim);
        return cat([cls, patchEmbedding], 1).to(positionEmbedding.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Side M of a square grid of <paramref name="patches"/> entries; throws when it is not a square.</summary>
    public static long SquareSide(long patches)
    {
        long m = (long)Math.Round(Math.Sqrt(patches));
        if (m * m != patches || m == 0)
            throw new ArgumentException($"Position embeddings hold {patches} patch entries, which is not a square grid.");
        return m;
    }
}
