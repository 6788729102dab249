namespace MaMA.MLNet.Imaging;

/// <summary>
/// The memory one image may cost to decode, checked from the file's own header before any buffer of that size is
/// taken, so a file of a few kilobytes that declares a huge image (or a deflated data set that inflates to
/// gigabytes) fails with a <see cref="DecodeLimitExceededException"/> instead of allocating.
/// </summary>
/// <remarks>
/// The defaults hold every mammogram we know of with room to spare: the largest full-field digital mammograms
/// (no tomosynthesis) are about 5000 x 6000 pixels at 16 bits (60 MB stored, 120 MB as decoded ints); the
/// default allows 8192 x 8192 (2.2x as many pixels). Raise them for other images; <see cref="Unlimited"/>
/// keeps only the reader's hard limits.
/// </remarks>
public sealed record DecodeLimits
{
    /// <summary>Default <see cref="MaxPixels"/>: 8192 x 8192.</summary>
    public const long DefaultMaxPixels = 8192L * 8192;

    /// <summary>Default <see cref="MaxInflatedBytes"/>: an 8192 x 8192 16-bit frame (128 MiB) plus 64 MiB for the rest of the data set.</summary>
    public const long DefaultMaxInflatedBytes = DefaultMaxPixels * 2 + (64L << 20);

    /// <summary>
    /// What decoding one value (pixel sample) costs at the peak of decode and preprocessing, in bytes: the decoded
    /// ints (4), a codec's own output buffer (up to 4, OpenJPEG's ints), and preprocessing's float copies (about 8;
    /// BENCHMARKS.md measures decode + resize at about 4.9x the 16-bit image). Used to size reservations on
    /// <see cref="DecodeMemoryGate"/>.
    /// </summary>
    public const long PeakBytesPerValue = 16;

    /// <summary>Largest frame decoded, in values (rows x columns x samples per pixel).</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>Largest size a deflated DICOM data set (transfer syntax 1.2.840.10008.1.2.1.99) may inflate to, in bytes.</summary>
    public long MaxInflatedBytes { get; init; } = DefaultMaxInflatedBytes;

    /// <summary>
    /// The gate that bounds how many images decode at once by the memory they need (their values x
    /// <see cref="PeakBytesPerValue"/>); null decodes without waiting for memory.
    /// </summary>
    public DecodeMemoryGate? Gate { get; init; } = DecodeMemoryGate.Shared;

    /// <summary>The limits every reader uses unless given others.</summary>
    public static DecodeLimits Default { get; } = new();

    /// <summary>Only the reader's hard limits (2^28 values a frame, 2 GB a file) and no gate: for trusted files.</summary>
    public static DecodeLimits Unlimited { get; } = new() { MaxPixels = 1L << 28, MaxInflatedBytes = int.MaxValue - 64, Gate = null };

    /// <summary>The bytes decoding <paramref name="values"/> values costs at its peak (<see cref="PeakBytesPerValue"/> each).</summary>
    public static long PeakBytes(long values) => values * PeakBytesPerValue;

    /// <summary>Throws when a <paramref name="width"/> x <paramref name="height"/> x <paramref name="samples"/> frame is over <see cref="MaxPixels"/>.</summary>
    /// <exception cref="DecodeLimitExceededException">The frame is larger than the limit.</exception>
    public void CheckFrame(string source, string format, long width, long height, int samples = 1)
    {
        long values = width * height * samples;
        if (width > 0 && height > 0 && values > MaxPixels)
            throw new DecodeLimitExceededException(source, nameof(MaxPixels), MaxPixels, values,
                $"the {format} image declares {width} x {height}{(samples > 1 ? $" x {samples} samples" : "")} = {values:N0} values, more than the decode limit of {MaxPixels:N0} ({nameof(DecodeLimits)}.{nameof(MaxPixels)})");
    }

    /// <summary>
    /// Waits on <see cref="Gate"/> for the memory a frame of <paramref name="values"/> values needs; dispose the
    /// result when the frame's buffers are gone (inside a <see cref="DecodeMemoryGate.BeginScope"/> the memory is
    /// held until the scope ends instead).
    /// </summary>
    public IDisposable Admit(long values) => Gate is null ? DecodeMemoryGate.Nothing : Gate.Reserve(PeakBytes(values));
}
