using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.ReferenceExport;

/// <summary>What <see cref="ReferenceExporter.Export"/> wrote and what the reference will make of it.</summary>
public sealed record ReferenceExportResult
{
    /// <summary>Images in the tables (each has its JPEG).</summary>
    public required int Images { get; init; }

    /// <summary>Images per split table.</summary>
    public required IReadOnlyDictionary<DatasetSplit, int> ImagesPerSplit { get; init; }

    /// <summary>JPEGs kept from an earlier run (<see cref="ReferenceExportOptions.KeepExistingImages"/>).</summary>
    public required int KeptExistingImages { get; init; }

    /// <summary>Images left out (only with <see cref="ReferenceExportOptions.SkipUnreadableImages"/>).</summary>
    public required IReadOnlyList<UnreadableImage> Unreadable { get; init; }

    /// <summary>Records without a split that were given one by patient.</summary>
    public required int SplitsAssigned { get; init; }

    /// <summary>Records without a procedure whose reason was written as one ("MG Screening" / "MG Diagnostic"): the reference derives the reason from the procedure text only.</summary>
    public required int ProceduresFromReason { get; init; }

    /// <summary>Records without an image type written as "2D" (the reference keeps only "2D" images).</summary>
    public required int ImageTypesFilled { get; init; }

    /// <summary>
    /// Exported images the reference's structural-caption dataset will leave out, by why: it skips an image whose
    /// caption lacks the procedure, a screening/diagnostic reason, the density or the BI-RADS assessment, and any
    /// image whose <c>FinalImageType</c> is not "2D" (<c>pretrain_dataset.py</c>, <c>create_path_2_sent_mapping</c>).
    /// </summary>
    public required IReadOnlyDictionary<string, int> LeftOutByReference { get; init; }

    /// <summary>
    /// True when some study ids look like numbers to pandas and others do not. pandas then reads <c>acc_anon</c> as
    /// integers in a table holding only numeric ids and as text in one holding both, and the reference's join of an
    /// image with its clinical rows finds nothing (it fails on the empty selection). EMBED's ids are all numbers.
    /// </summary>
    public required bool StudyIdsMixNumbersAndText { get; init; }

    /// <summary>
    /// Images whose clinical values, as the reference reads them back, differ from their own: EMBED keeps clinical data
    /// per exam and side, and the reference picks one row per side (the highest BI-RADS), so images of one side with
    /// different findings share the chosen row.
    /// </summary>
    public required int ClinicalValuesChanged { get; init; }
}
