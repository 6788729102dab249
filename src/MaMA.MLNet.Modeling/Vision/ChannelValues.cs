namespace MaMA.MLNet.Modeling.Vision;

/// <summary>One value per input channel, in the network's channel order (a record, so configs compare by value).</summary>
public sealed record ChannelValues(double First, double Second, double Third)
{
    /// <summary>Whether all three values satisfy <paramref name="predicate"/>.</summary>
    public bool All(Func<double, bool> predicate) => predicate(First) && predicate(Second) && predicate(Third);

    /// <summary>The three values as an array.</summary>
    public double[] ToArray() => [First, Second, Third];
}
