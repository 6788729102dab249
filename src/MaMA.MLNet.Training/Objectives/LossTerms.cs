using MaMA.MLNet.Modeling;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training;

/// <summary>
/// The named loss terms of one micro-batch, in the order they were added, plus scalar metrics (for example
/// retrieval top-1/top-5). The trainer back-propagates the sum of the terms; each term is logged on its own.
/// </summary>
/// <remarks>
/// The tensors belong to the step's dispose scope: an objective creates them inside
/// <see cref="IPretrainingObjective{TBatch}.ComputeLosses"/> and the trainer disposes them with the step.
/// Terms carry weight 1.0 in MaMA (spec §4); an objective that needs another weight multiplies before adding.
/// </remarks>
public sealed class LossTerms
{
    private readonly List<KeyValuePair<string, Tensor>> _terms = [];
    private readonly List<KeyValuePair<string, double>> _metrics = [];

    /// <summary>The loss terms in insertion order; each is a 0-dimensional floating-point tensor.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Terms => _terms;

    /// <summary>Scalar metrics of the micro-batch (not differentiated), in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Metrics => _metrics;

    /// <summary>Adds a loss term.</summary>
    /// <exception cref="ArgumentException">The name is empty or already used, or the tensor is not a floating-point scalar.</exception>
    public LossTerms Add(string name, Tensor loss)
    {
        CheckName(name, _terms.Select(t => t.Key));
        ArgumentNullException.ThrowIfNull(loss);
        if (loss.numel() != 1 || loss.dim() > 1 || !is_floating_point(loss))
            throw new ArgumentException(
                $"Loss term '{name}' must be a floating-point scalar tensor, but has shape [{string.Join(", ", loss.shape)}] and dtype {loss.dtype}.",
                nameof(loss));
        _terms.Add(new(name, loss));
        return this;
    }

    /// <summary>Adds a metric.</summary>
    /// <exception cref="ArgumentException">The name is empty or already used.</exception>
    public LossTerms AddMetric(string name, double value)
    {
        CheckName(name, _metrics.Select(m => m.Key));
        _metrics.Add(new(name, value));
        return this;
    }

    /// <summary>The sum of all terms (what the trainer back-propagates).</summary>
    /// <exception cref="InvalidOperationException">There is no term.</exception>
    public Tensor Total()
    {
        if (_terms.Count == 0)
            throw new InvalidOperationException("The objective returned no loss term, so there is nothing to minimise.");
        Tensor total = _terms[0].Value.reshape(Array.Empty<long>());
        for (int i = 1; i < _terms.Count; i++) total = total.Plus(_terms[i].Value.reshape(Array.Empty<long>()));
        return total;
    }

    private static void CheckName(string name, IEnumerable<string> used)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A loss term or metric needs a name.", nameof(name));
        if (used.Contains(name, StringComparer.Ordinal))
            throw new ArgumentException($"The name '{name}' is used twice in one batch's loss terms or metrics.", nameof(name));
    }
}
