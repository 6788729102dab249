using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Vision;

/// <summary>
/// Resamples learned ViT position embeddings from the pretraining grid to another patch grid, as DINOv2's
/// <c>interpolate_pos_encoding</c> does with <c>interpolate_antialias=True</c> and <c>interpolate_offset=0</c>:
/// bicubic, antialiased, to an explicit output size. Done once at export time, so the graph holds a constant.
/// </summary>
public static class PositionEmbeddingResampler
{
    /// <summary>
    /// Takes <c>pos_embed</c> [1, 1 + G*G, D] and returns [1, 1 + gridHeight*gridWidth, D] (float64, in the
    /// current dispose scope): the CLS entry unchanged, the patch entries resampled. Returns a copy unchanged
    /// when the grid already matches.
    /// </summary>
    /// <exception cref="OnnxExportException">The shape is not [1, 1 + G*G, D] or the target grid is empty.</exception>
    public static Tensor Resample(Tensor posEmbed, int gridHeight, int gridWidth)
    {
        if (posEmbed.dim() != 3 || posEmbed.shape[0] != 1)
            throw new OnnxExportException($"pos_embed has shape [{string.Join(",", posEmbed.shape)}]; [1, 1 + G*G, D] is expected.");
        if (gridHeight <= 0 || gridWidth <= 0)
            throw new OnnxExportException($"Position embeddings cannot be resampled to an empty {gridHeight}x{gridWidth} grid.");
        int side = PretrainGridSide(posEmbed.shape[1]);
        long dim = posEmbed.shape[2];
        var source = posEmbed.to_type(ScalarType.Float64);
        if (side == gridHeight && side == gridWidth) return source.clone();

        var cls = source[.., ..1, ..];
        var grid = source[.., 1.., ..].reshape(1, side, side, dim).permute(0, 3, 1, 2);     // [1,D,G,G]
        var resized = nn.functional.interpolate(grid, size: [gridHeight, gridWidth],
            mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);          // [1,D,h,w]
        var patches = resized.permute(0, 2, 3, 1).reshape(1, (long)gridHeight * gridWidth, dim);
        return cat([cls, patches], 1);
    }

    /// <summary>The pretraining grid side G for a position table of <paramref name="tokens"/> = 1 + G*G rows.</summary>
    /// <exception cref="OnnxExportException">The count is not one more than a perfect square.</exception>
    public static int PretrainGridSide(long tokens)
    {
        long patches = tokens - 1;
        int side = (int)Math.Round(Math.Sqrt(Math.Max(patches, 0)));
        if (patches <= 0 || (long)side * side != patches)
            throw new OnnxExportException($"pos_embed has {tokens} rows; 1 + G*G (CLS plus a square patch grid) is expected.");
        return side;
    }
}
