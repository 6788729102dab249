namespace MaMA.MLNet.Imaging;

/// <summary>What the mammogram loader does with a file it cannot read.</summary>
public enum BadFileHandling
{
    /// <summary>Throw a <see cref="MaMA.MLNet.Imaging.MammogramReadException"/> naming the file: the whole pass stops.</summary>
    Throw,
    /// <summary>
    /// Write the problem into the error column, zeros into the image column and empty/NaN header values, and go
    /// on: one broken file does not lose a 100,000-image job. Filter on the error column afterwards.
    /// </summary>
    MarkAndContinue,
}
