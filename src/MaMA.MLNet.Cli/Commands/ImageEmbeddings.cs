using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Components;
using MaMA.MLNet.Embeddings;
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
    /// Embeddings [N, E] of <paramref name="records"/> (<see cref="MaMAZeroShotEvaluation.EmbedImages(MaMA.MLNet.Modeling.MaMA.MaMAModel, IReadOnlyList{MaMA.MLNet.Data.Manifest.MammogramRecord}, int, IProgress{int}?)"/>), reporting
    /// images done on a stage called <paramref name="stageName"/>. The tensor belongs to the caller's dispose scope.
    /// </summary>
    public static Tensor Embed(MaMAModel model, IReadOnlyList<MammogramRecord> records, ICliProgress progress, string stageName = "embed images")
    {
        using var stage = progress.Stage(stageName, records.Count);
        return MaMAZeroShotEvaluation.EmbedImages(model, records, imagesDone: new StageProgress(stage));
    }

    /// <summary>
    /// Zero-shot scores of the records labelled for <paramref name="task"/> (<see cref="MaMAZeroShotEvaluation.Score"/>),
    /// with unreadable images handled as <c>--on-bad-image</c> says (<see cref="BadImagePolicy"/>),
    /// embedding the images with <paramref name="backend"/>. Returns an exit code
    /// when the command must stop (no labelled image, or unreadable images with fail), else null and the scores.
    /// </summary>
    public static int? Score(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records, ZeroShotTask task, ICliProgress progress,
                             bool skipBadImages, string badImageList, out ZeroShotScores? scores,
                             MaMAInferenceBackend backend = MaMAInferenceBackend.TorchSharp, string device = "cpu")
    {
        scores = null;
        var labelled = records.Where(r => MaMAZeroShotEvaluation.Label(r, task) is not null).ToList();
        if (labelled.Count == 0) return ExitCodes.Fail($"No image in the manifest has a {task} label.", ExitCodes.BadInput);
        using var scope = NewDisposeScope();
        if (BadImagePolicy.Embed(model, labelled, skipBadImages, badImageList, progress, out var readable, out var embeddings, backend: backend, device: device) is int failure) return failure;
        scores = MaMAZeroShotEvaluation.Score(model, tokenizer, readable, task, imageEmbeddings: embeddings);
        return null;
    }

    // Reports synchronously (System.Progress would post to the thread pool and could land after the stage ended).
    private sealed class StageProgress(IProgressStage stage) : IProgress<int>
    {
        public void Report(int value) => stage.Report(value);
    }
}
