namespace MaMA.MLNet.Imaging.Pixels;

/// <summary>
/// One decoded grayscale frame as stored values: masked to BitsStored and sign-extended where the pixel
/// representation is signed, before any modality or VOI transform. Row-major, <c>Width * Height</c> values.
/// </summary>
/// <param name="Width">Columns.</param>
/// <param name="Height">Rows.</param>
/// <param name="StoredValues">The stored values, row by row.</param>
/// <param name="BitsStored">Significant bits per value (1-16 for mammography, up to 32 allowed).</param>
/// <param name="IsSigned">PixelRepresentation 1: values are two's complement.</param>
public sealed record GrayscaleFrame(int Width, int Height, int[] StoredValues, int BitsStored, bool IsSigned)
{
    /// <summary>The smallest value BitsStored and the signedness allow.</summary>
    public int MinStoredValue => IsSigned ? -(1 << (BitsStored - 1)) : 0;

    /// <summary>The largest value BitsStored and the signedness allow.</summary>
    public int MaxStoredValue => IsSigned ? (1 << (BitsStored - 1)) - 1 : (int)((1L << BitsStored) - 1);
}
