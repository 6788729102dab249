namespace MaMA.MLNet.Data.ReferenceExport;

/// <summary>Options of <see cref="ReferenceExporter"/>.</summary>
public sealed record ReferenceExportOptions
{
    /// <summary>The folder to write: the reference's <c>DATA_BASE_DIR</c> (it gets <c>Embed/</c> and <c>EMBED_1080_JPG/</c>).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>
    /// The absolute path <c>DATA_BASE_DIR</c> will have where the reference trains, when that is not where the files are
    /// written now (another machine, a container mount). The pickled view maps hold absolute paths under it. Null: the
    /// full path of <see cref="OutputDirectory"/>.
    /// </summary>
    public string? DataRoot { get; init; }

    /// <summary>The long side of the resized images (resize_embed.py uses 1080; its folder name says so).</summary>
    public int ImageLongSide { get; init; } = ReferenceLayout.ImageLongSide;

    /// <summary>JPEG quality 1-100 (PIL's default, which the reference's script uses, is 75).</summary>
    public int JpegQuality { get; init; } = ReferenceLayout.JpegQuality;

    /// <summary>False (default): an image that cannot be read stops the export. True: it is left out and listed in the result.</summary>
    public bool SkipUnreadableImages { get; init; }

    /// <summary>True: a JPEG already at its place (from an interrupted export) is kept, not read and written again.</summary>
    public bool KeepExistingImages { get; init; }

    /// <summary>Images converted at once (each also holds the decode memory gate's reservation).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Seed of the split by patient for records without one (70% train, 10% valid, 20% test, as <c>preprocess_embed.py</c>).</summary>
    public int SplitSeed { get; init; }

    /// <summary>The image reader; null for <see cref="Imaging.MammogramReader.Default"/>.</summary>
    public Imaging.MammogramReader? Reader { get; init; }
}
