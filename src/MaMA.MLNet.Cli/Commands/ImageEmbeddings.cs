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
    public static ZeroShotScores? Score(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records, ZeroShotTask task, ICliProgress progress,
                                        MaMAInferenceBackend backend = MaMAInferenceBackend.TorchSharp)
    {
        int labelled = records.Count(r => MaMAZeroShotEvaluation.Label(r, task) is not null);
        using var stage = progress.Stage("embed images", labelled);
        if (backend == MaMAInferenceBackend.TorchSharp)
            return MaMAZeroShotEvaluation.Score(model, tokenizer, records, task, new StageProgress(stage));
        // ONNX Runtime encodes the labelled images; the unlabelled rows of the [N, E] matrix Score takes are never read.
        model.eval();
        using var scope = NewDisposeScope();
        int width = model.Config.EmbeddingSize;
        var matrix = new float[records.Count * width];
        var index = new Dictionary<MammogramRecord, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < records.Count; i++) index.TryAdd(records[i], i);
        using var stream = new ImageEmbeddingStream(model, backend);
        int done = 0;
        foreach (var batch in stream.Embed(records.Where(r => MaMAZeroShotEvaluation.Label(r, task) is not null)))
        {
            if (batch.Failures.Count > 0) throw batch.Failures[0].Error;
            for (int k = 0; k < batch.Records.Count; k++) batch.Embeddings[k].CopyTo(matrix, index[batch.Records[k]] * width);
            done += batch.Records.Count;
            stage.Report(done);
        }
        return MaMAZeroShotEvaluation.Score(model, tokenizer, records, task, imageEmbeddings: tensor(matrix, [records.Count, width]));
    }

    // Reports synchronously (System.Progress would post to the thread pool and could land after the stage ended).
    private sealed class StageProgress(IProgressStage stage) : IProgress<int>
    {
        public void Report(int value) => stage.Report(value);
    }
}
