namespace MaMA.MLNet.Pretraining;

/// <summary>An image a batch job went past: its position in the records it was given, its path and why it could not be read.</summary>
/// <param name="Index">Index of the record in the list the job was given.</param>
/// <param name="Path">The image file.</param>
/// <param name="Reason">The read error's message.</param>
public sealed record UnreadableImage(int Index, string Path, string Reason);
