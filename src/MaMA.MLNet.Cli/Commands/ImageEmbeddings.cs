using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Pretraining;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>Image embeddings of manifest records with a progress stage, in the batches the library uses.</summary>
internal static class ImageEmbeddings
{
    /// <summary>Images per batch, as <see cref="MaMAZeroShotEvaluation.EmbedImages"/> batches them.</summary>
    public const int BatchSize = 32;

    /// <summary>
    /// Embeddings [N, E] of <paramref name="records"/> (the same batches, so the same values, as
    /// <see cref="MaMAZeroShotEvaluation.EmbedImages"/>), reporting images done on a stage called <paramref name="stageName"/>.
    /// The tensor belongs to the caller's dispose scope.
    /// </summary>
    public static Tensor Embed(MaMAModel model, IReadOnlyList<MammogramRecord> records, ICliProgress progress, string stageName = "embed images")
    {
        using var stage = progress.Stage(stageName, records.Count);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (int start = 0; start < records.Count; start += BatchSize)
        {
            int n = Math.Min(BatchSize, records.Count - start);
            parts.Add(MaMAZeroShotEvaluation.EmbedImages(model, records.Skip(start).Take(n).ToList(), BatchSize));
            stage.Report(start + n);
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>The rows of a [N, E] tensor as float arrays.</summary>
    public static float[][] Rows(Tensor embeddings)
    {
        using var flat = embeddings.to(ScalarType.Float32).contiguous();
        int width = (int)flat.shape[1];
        var values = flat.data<float>().ToArray();
        return Enumerable.Range(0, (int)flat.shape[0]).Select(i => values.AsSpan(i * width, width).ToArray()).ToArray();
    }
}
