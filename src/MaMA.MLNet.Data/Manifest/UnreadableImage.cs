namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// An image a batch job went past: its position in the records it was given, its path and why it could not be read.
/// One type for every job that skips images (the zero-shot and embedding runs, the reference export), so the tool
/// lists them all the same way (bad-images.csv).
/// </summary>
/// <param name="Index">Index of the record in the list the job was given.</param>
/// <param name="Path">The image file.</param>
/// <param name="Reason">Why, in one line (the read or conversion error's message).</param>
public sealed record UnreadableImage(int Index, string Path, string Reason);
