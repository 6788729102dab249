using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Pairing;

/// <summary>Which images of a study count as a second view.</summary>
public enum SecondViewScope
{
    /// <summary>Any other image of the same study: the other side or the other view (reference <c>--inter_side</c>, MaMA's setting).</summary>
    SameStudy,
    /// <summary>Only other images of the same study and side (reference <c>--inter_view</c>).</summary>
    SameSide,
}

/// <summary>The two images of one multi-view training example.</summary>
/// <param name="First">The drawn image (index into the record list).</param>
/// <param name="Second">The second image; equal to <paramref name="First"/> when <paramref name="IsSameImage"/>.</param>
/// <param name="IsSameImage">True when the second view is the same image, to be augmented independently.</param>
public readonly record struct ViewPair(int First, int Second, bool IsSameImage);

/// <summary>
/// Picks the second image of a multi-view pair (spec §5): another image of the same study, chosen uniformly.
/// As in the reference (SLIP-style, <c>prob_diff_dcm</c> 0.5), the other image is used with probability
/// <see cref="OtherImageProbability"/>; otherwise, and always when the study has no other image in the record
/// list, the second view is the same image under a different augmentation. Candidates are only images of
/// the list given (the reference also restricts them to the current split). Deterministic for a given
/// <see cref="Random"/> seed.
/// </summary>
public sealed class SecondViewSampler
{
    private readonly int[][] _candidates;

    /// <summary>Indexes <paramref name="records"/> by study (and side, for <see cref="SecondViewScope.SameSide"/>).</summary>
    public SecondViewSampler(IReadOnlyList<MammogramRecord> records, SecondViewScope scope = SecondViewScope.SameStudy, double otherImageProbability = 0.5)
    {
        if (otherImageProbability is < 0 or > 1 || double.IsNaN(otherImageProbability))
            throw new ArgumentOutOfRangeException(nameof(otherImageProbability), otherImageProbability, "Must be in [0, 1].");
        Scope = scope;
        OtherImageProbability = otherImageProbability;
        var groups = new Dictionary<(string Study, Laterality? Side), List<int>>();
        for (int i = 0; i < records.Count; i++)
        {
            var key = (records[i].StudyId, scope == SecondViewScope.SameSide ? records[i].Laterality : null);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(i);
        }
        _candidates = new int[records.Count][];
        foreach (var list in groups.Values)
            foreach (int i in list)
                _candidates[i] = [.. list.Where(j => j != i)];
    }

    /// <summary>The scope of candidates.</summary>
    public SecondViewScope Scope { get; }

    /// <summary>Probability of using another image when one exists (reference: 1 - prob_diff_dcm = 0.5).</summary>
    public double OtherImageProbability { get; }

    /// <summary>The indices that can be the second view of image <paramref name="index"/>, in list order.</summary>
    public IReadOnlyList<int> Candidates(int index) => _candidates[index];

    /// <summary>Draws the second view for image <paramref name="index"/>: one uniform draw decides other vs same
    /// image, a second picks the candidate.</summary>
    public ViewPair Draw(int index, Random random)
    {
        int[] candidates = _candidates[index];
        bool useOther = random.NextDouble() < OtherImageProbability;
        if (!useOther || candidates.Length == 0) return new ViewPair(index, index, true);
        return new ViewPair(index, candidates[random.Next(candidates.Length)], false);
    }
}
