using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Pretraining;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>The library's image embedding and zero-shot scoring with a progress stage on the command's display.</summary>
internal static class ImageEmbeddings
{
    /// <summary>
    /// Embeddings [N, E] of <paramref name="records"/> (<see cref="MaMAZeroShotEvaluation.EmbedImages"/>), reporting
    /// images done on a stage called <paramref name="stageName"/>. The tensor belongs to the caller's dispose scope.
    /// </summary>
    public static Tensor Embed(MaMAModel model, IReadOnlyList<MammogramRecord> records, ICliProgress progress, string stageName = "embed images")
    {
        using var stage = progress.Stage(stageName, records.Count);
        return MaMAZeroShotEvaluation.EmbedImages(model, records, imagesDone: new StageProgress(stage));
    }

    /// <summary>Zero-shot scores of the records labelled for <paramref name="task"/> (<see cref="MaMAZeroShotEvaluation.Score"/>); null when none is.</summary>
    /// <exception cref="Imaging.MammogramReadException">An image cannot be read.</exception>
    public static ZeroShotScores? Score(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records, ZeroShotTask task, ICliProgress progress)
    {
        int labelled = records.Count(r => MaMAZeroShotEvaluation.Label(r, task) is not null);
        using var stage = progress.Stage("embed images", labelled);
        return MaMAZeroShotEvaluation.Score(model, tokenizer, records, task, new StageProgress(stage));
    }

    // Reports synchronously (System.Progress would post to the thread pool and could land after the stage ended).
    private sealed class StageProgress(IProgressStage stage) : IProgress<int>
    {
        public void Report(int value) => stage.Report(value);
    }
}
