using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Pretraining;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// Zero-shot classification for the CLI: the steps of <see cref="MaMAZeroShotEvaluation.Classify"/> (same prompts,
/// batches and softmax, so the same metrics), with a progress stage and the per-image scores and embeddings kept for
/// the report's plots.
/// </summary>
internal static class ZeroShotScoring
{
    /// <summary>Scores the records that have a label for <paramref name="task"/>; null when none has.</summary>
    /// <exception cref="Imaging.MammogramReadException">An image cannot be read.</exception>
    public static ZeroShotScores? Score(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records, ZeroShotTask task, ICliProgress progress)
    {
        var labelled = records.Select(r => (Record: r, Label: MaMAZeroShotEvaluation.Label(r, task))).Where(x => x.Label is not null).ToList();
        if (labelled.Count == 0) return null;
        model.eval();
        using var scope = NewDisposeScope();
        using var inference = no_grad();
        var prompts = ZeroShotPrompts.For(task).Select(p => (IReadOnlyList<string>)[p]).ToList();
        using var classifier = ZeroShotClassifier.Create(model, tokenizer, prompts);
        var embeddings = ImageEmbeddings.Embed(model, labelled.Select(x => x.Record).ToList(), progress);
        var scores = ImageEmbeddings.Rows(classifier.Logits(embeddings).softmax(-1));
        var labels = labelled.Select(x => x.Label!.Value).ToList();
        var report = ClassificationReport.Compute(labels, scores, ZeroShotPrompts.ClassNames(task));
        return new ZeroShotScores(report, labels, scores, ImageEmbeddings.Rows(embeddings));
    }
}
