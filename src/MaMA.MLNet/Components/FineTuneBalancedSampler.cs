namespace MaMA.MLNet.Components;

/// <summary>
/// Draws training rows for fine-tuning. Class-balanced: each draw picks a class uniformly among the classes that
/// have rows, then a row of that class uniformly (with replacement), so rare classes are seen as often as common
/// ones. Unbalanced: rows uniformly. Deterministic for a seed.
/// </summary>
public sealed class FineTuneBalancedSampler
{
    private readonly int[][] _rowsByClass;
    private readonly int _rowCount;
    private readonly bool _balanced;
    private readonly Random _random;

    /// <summary>Creates a sampler over rows with the given 0-based class labels.</summary>
    /// <exception cref="ArgumentException">There are no rows, or a label is negative.</exception>
    public FineTuneBalancedSampler(IReadOnlyList<int> labels, bool classBalanced, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0) throw new ArgumentException("no training rows to sample from", nameof(labels));
        if (labels.Any(l => l < 0)) throw new ArgumentException("class labels must be 0 or more", nameof(labels));
        _rowsByClass = Enumerable.Range(0, labels.Max() + 1)
            .Select(c => Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).ToArray())
            .Where(rows => rows.Length > 0).ToArray();
        _rowCount = labels.Count;
        _balanced = classBalanced;
        _random = new Random(seed);
    }

    /// <summary>Number of classes that have at least one row.</summary>
    public int ClassCount => _rowsByClass.Length;

    /// <summary>The row indices of the next batch.</summary>
    public int[] NextBatch(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var batch = new int[size];
        for (int i = 0; i < size; i++)
        {
            if (_balanced)
            {
                var rows = _rowsByClass[_random.Next(_rowsByClass.Length)];
                batch[i] = rows[_random.Next(rows.Length)];
            }
            else
            {
                batch[i] = _random.Next(_rowCount);
            }
        }
        return batch;
    }
}
