namespace MaMA.MLNet.Imaging;

/// <summary>
/// A file asks for more memory than <see cref="DecodeLimits"/> allow (a huge declared image, a data set that
/// inflates past the limit). Thrown before the memory is taken; the message names the file, the size and the limit.
/// </summary>
public sealed class DecodeLimitExceededException : MammogramReadException
{
    /// <summary>Creates the exception.</summary>
    public DecodeLimitExceededException(string source, string limitName, long limit, long requested, string problem)
        : base(source, problem)
    {
        LimitName = limitName;
        Limit = limit;
        Requested = requested;
    }

    /// <summary>The <see cref="DecodeLimits"/> property that was exceeded.</summary>
    public string LimitName { get; }

    /// <summary>The limit's value.</summary>
    public long Limit { get; }

    /// <summary>What the file asked for (at least this much, when reading stopped at the limit).</summary>
    public long Requested { get; }
}
