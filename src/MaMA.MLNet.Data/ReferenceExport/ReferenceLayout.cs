namespace MaMA.MLNet.Data.ReferenceExport;

/// <summary>
/// Where the MaMA reference (github XYPB/MaMA) looks for EMBED data, as its source says. Every path it opens hangs
/// off <c>DATA_BASE_DIR</c>, which the user sets on line 5 of <c>dataset/constants_val.py</c>; the export writes
/// that folder.
/// </summary>
/// <remarks>
/// <para><c>dataset/constants_val.py</c>: <c>EMBED_DATA_DIR = DATA_BASE_DIR + "/Embed"</c>; the tables under
/// <c>Embed/tables/</c>; <c>EMBED_PATH_TRANS_FUNC</c> replaces <c>"/mnt/NAS2/mammo/anon_dicom"</c> in
/// <c>anon_dicom_path</c> with <c>EMBED_DATA_PATH = EMBED_DATA_DIR + "/images"</c>; with <c>--load_jpg</c>
/// (<c>scripts/pretrain.sh</c> passes it) <c>GET_JPEG_PATH_FUNC</c> turns that into the JPEG path by replacing
/// every <c>"Embed"</c> with <c>"EMBED_1080_JPG"</c> and every <c>".dcm"</c> with <c>"_resized.jpg"</c>. So
/// <c>anon_dicom_path = /mnt/NAS2/mammo/anon_dicom/REL.dcm</c> is read from
/// <c>DATA_BASE_DIR/EMBED_1080_JPG/images/REL_resized.jpg</c>, and neither <c>DATA_BASE_DIR</c> nor <c>REL</c> may
/// contain "Embed" or ".dcm" elsewhere.</para>
/// <para><c>scripts/resize_embed.py</c>: <c>pipe(..., image_size=1080)</c>, saved by PIL (JPEG quality 75).</para>
/// <para><c>dataset/pretrain_dataset.py</c> (<c>EmbedPretrainingDataset</c>): reads the split's metadata table,
/// both clinical tables and the legend; with <c>--inter_side</c> the pickle <c>img_path2inter_side.pkl</c> (with
/// <c>--inter_view</c> <c>img_path2inter_view.pkl</c>), keyed by the path after <c>EMBED_PATH_TRANS_FUNC</c>; it
/// writes its caption cache <c>Embed/{split}_captions_structural.pickle</c> on first use.</para>
/// </remarks>
public static class ReferenceLayout
{
    /// <summary>EMBED_DATA_DIR, under DATA_BASE_DIR.</summary>
    public const string EmbedFolder = "Embed";
    /// <summary>The tables, under <see cref="EmbedFolder"/>.</summary>
    public const string TablesFolder = "tables";
    /// <summary>EMBED_DATA_PATH, under <see cref="EmbedFolder"/> (the DICOM images; not needed with --load_jpg).</summary>
    public const string ImagesFolder = "images";
    /// <summary>The resized JPEG tree under DATA_BASE_DIR: <see cref="EmbedFolder"/> with "Embed" replaced.</summary>
    public const string JpegFolder = "EMBED_1080_JPG";
    /// <summary>The prefix of <c>anon_dicom_path</c> that EMBED_PATH_TRANS_FUNC replaces.</summary>
    public const string DicomPathPrefix = "/mnt/NAS2/mammo/anon_dicom";
    /// <summary>The long side of the resized images (resize_embed.py: image_size=1080).</summary>
    public const int ImageLongSide = 1080;
    /// <summary>PIL's default JPEG quality, which resize_embed.py's <c>img.save(dest)</c> uses.</summary>
    public const int JpegQuality = 75;

    /// <summary>EMBED_TRAIN_META_CSV.</summary>
    public const string TrainMetadata = "EMBED_OpenData_metadata_reduced_train.csv";
    /// <summary>EMBED_VALID_META_CSV.</summary>
    public const string ValidMetadata = "EMBED_OpenData_metadata_reduced_valid.csv";
    /// <summary>EMBED_TEST_META_CSV.</summary>
    public const string TestMetadata = "EMBED_OpenData_metadata_reduced_test.csv";
    /// <summary>The unsplit metadata preprocess_embed.py reads (with pandas' unnamed index column) to make a split.</summary>
    public const string AllMetadata = "EMBED_OpenData_metadata_reduced.csv";
    /// <summary>EMBED_ANNO_CSV_REDUCED.</summary>
    public const string ClinicalReduced = "EMBED_OpenData_clinical_reduced.csv";
    /// <summary>EMBED_ANNO_CSV.</summary>
    public const string Clinical = "EMBED_OpenData_clinical.csv";
    /// <summary>EMBED_LEGENDS_CSV.</summary>
    public const string Legend = "AWS_Open_Data_Clinical_Legend.csv";
    /// <summary>EMBED_INTER_SIDE_MAP: each image to the other images of its study.</summary>
    public const string InterSideMap = "img_path2inter_side.pkl";
    /// <summary>EMBED_INTER_VIEW_MAP: each image to the other images of its study and side.</summary>
    public const string InterViewMap = "img_path2inter_view.pkl";

    /// <summary>The metadata table of <paramref name="split"/>.</summary>
    public static string MetadataTable(Manifest.DatasetSplit split) => split switch
    {
        Manifest.DatasetSplit.Train => TrainMetadata,
        Manifest.DatasetSplit.Validation => ValidMetadata,
        _ => TestMetadata,
    };

    /// <summary><c>anon_dicom_path</c> for an image at <paramref name="relative"/> ("patient/study/name", no extension).</summary>
    public static string DicomPathCell(string relative) => DicomPathPrefix + "/" + relative + ".dcm";

    /// <summary>The key of the pickled maps: <c>EMBED_PATH_TRANS_FUNC(anon_dicom_path)</c> under <paramref name="dataRoot"/>.</summary>
    public static string TrainingPath(string dataRoot, string relative) =>
        dataRoot.TrimEnd('/') + "/" + EmbedFolder + "/" + ImagesFolder + "/" + relative + ".dcm";

    /// <summary>The JPEG the reference opens for <paramref name="relative"/>, relative to DATA_BASE_DIR, with '/' separators.</summary>
    public static string JpegPath(string relative) => JpegFolder + "/" + ImagesFolder + "/" + relative + "_resized.jpg";

    /// <summary>
    /// Why <paramref name="dataRoot"/> cannot be DATA_BASE_DIR (null when it can): it must be absolute and must not
    /// contain "Embed" or ".dcm", which the reference's path functions replace wherever they occur.
    /// </summary>
    public static string? DataRootProblem(string dataRoot)
    {
        ArgumentNullException.ThrowIfNull(dataRoot);
        if (!dataRoot.StartsWith('/')) return "it must be an absolute POSIX path (the reference's paths are built by string concatenation)";
        if (dataRoot.Contains(EmbedFolder, StringComparison.Ordinal)) return "it contains \"Embed\", which the reference's GET_JPEG_PATH_FUNC replaces wherever it occurs";
        if (dataRoot.Contains(".dcm", StringComparison.Ordinal)) return "it contains \".dcm\", which the reference's GET_JPEG_PATH_FUNC replaces wherever it occurs";
        return null;
    }
}
