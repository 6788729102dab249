using MaMA.MLNet.Evaluation;

namespace MaMA.MLNet.Pretraining;

/// <summary>A zero-shot evaluation with what its plots need: each image's label, class scores and embedding.</summary>
/// <param name="Report">The metrics.</param>
/// <param name="Labels">Class index of each labelled image.</param>
/// <param name="Scores">Softmax probabilities over the classes, per image.</param>
/// <param name="Embeddings">The L2-normalised image embedding of each image.</param>
public sealed record ZeroShotScores(ClassificationReport Report, IReadOnlyList<int> Labels, IReadOnlyList<float[]> Scores, IReadOnlyList<float[]> Embeddings);
