namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// The VRs of the elements this reader interprets, for implicit VR data sets where the file does not say.
/// A full PS3.6 dictionary is not needed: elements we never read stay opaque bytes, and an unknown element
/// with undefined length is read as a sequence, as DCMTK does.
/// </summary>
internal static class DicomDictionary
{
    private static readonly Dictionary<uint, DicomVR> VRs = new()
    {
        [DicomTags.FileMetaInformationGroupLength.Value] = DicomVR.UL,
        [DicomTags.TransferSyntaxUid.Value] = DicomVR.UI,
        [DicomTags.SpecificCharacterSet.Value] = DicomVR.CS,
        [DicomTags.ImageType.Value] = DicomVR.CS,
        [DicomTags.SopClassUid.Value] = DicomVR.UI,
        [DicomTags.SopInstanceUid.Value] = DicomVR.UI,
        [DicomTags.Modality.Value] = DicomVR.CS,
        [DicomTags.PresentationIntentType.Value] = DicomVR.CS,
        [DicomTags.Manufacturer.Value] = DicomVR.LO,
        [DicomTags.CodeValue.Value] = DicomVR.SH,
        [DicomTags.CodingSchemeDesignator.Value] = DicomVR.SH,
        [DicomTags.CodeMeaning.Value] = DicomVR.LO,
        [DicomTags.ManufacturerModelName.Value] = DicomVR.LO,
        [DicomTags.PatientName.Value] = DicomVR.PN,
        [DicomTags.PatientId.Value] = DicomVR.LO,
        [DicomTags.PatientAge.Value] = DicomVR.AS,
        [DicomTags.ImagerPixelSpacing.Value] = DicomVR.DS,
        [DicomTags.ViewPosition.Value] = DicomVR.CS,
        [DicomTags.StudyInstanceUid.Value] = DicomVR.UI,
        [DicomTags.SeriesInstanceUid.Value] = DicomVR.UI,
        [DicomTags.Laterality.Value] = DicomVR.CS,
        [DicomTags.ImageLaterality.Value] = DicomVR.CS,
        [DicomTags.SamplesPerPixel.Value] = DicomVR.US,
        [DicomTags.PhotometricInterpretation.Value] = DicomVR.CS,
        [DicomTags.PlanarConfiguration.Value] = DicomVR.US,
        [DicomTags.NumberOfFrames.Value] = DicomVR.IS,
        [DicomTags.Rows.Value] = DicomVR.US,
        [DicomTags.Columns.Value] = DicomVR.US,
        [DicomTags.PixelSpacing.Value] = DicomVR.DS,
        [DicomTags.BitsAllocated.Value] = DicomVR.US,
        [DicomTags.BitsStored.Value] = DicomVR.US,
        [DicomTags.HighBit.Value] = DicomVR.US,
        [DicomTags.PixelRepresentation.Value] = DicomVR.US,
        [DicomTags.WindowCenter.Value] = DicomVR.DS,
        [DicomTags.WindowWidth.Value] = DicomVR.DS,
        [DicomTags.RescaleIntercept.Value] = DicomVR.DS,
        [DicomTags.RescaleSlope.Value] = DicomVR.DS,
        [DicomTags.RescaleType.Value] = DicomVR.LO,
        [DicomTags.WindowCenterWidthExplanation.Value] = DicomVR.LO,
        [DicomTags.VoiLutFunction.Value] = DicomVR.CS,
        [DicomTags.BreastImplantPresent.Value] = DicomVR.CS,
        [DicomTags.LutDescriptor.Value] = DicomVR.US,
        [DicomTags.LutExplanation.Value] = DicomVR.LO,
        [DicomTags.ModalityLutType.Value] = DicomVR.LO,
        [DicomTags.LutData.Value] = DicomVR.OW,
        [DicomTags.ModalityLutSequence.Value] = DicomVR.SQ,
        [DicomTags.VoiLutSequence.Value] = DicomVR.SQ,
        [DicomTags.ViewCodeSequence.Value] = DicomVR.SQ,
        [DicomTags.ViewModifierCodeSequence.Value] = DicomVR.SQ,
        [DicomTags.PresentationLutShape.Value] = DicomVR.CS,
        [DicomTags.ExtendedOffsetTable.Value] = DicomVR.OV,
        [DicomTags.ExtendedOffsetTableLengths.Value] = DicomVR.OV,
        [DicomTags.PixelData.Value] = DicomVR.OW,
    };

    /// <summary>The VR of a tag in an implicit VR data set; UN when this reader does not interpret the element.</summary>
    public static DicomVR ImplicitVR(DicomTag tag)
    {
        if (VRs.TryGetValue(tag.Value, out var vr)) return vr;
        // Group length elements (gggg,0000) are UL everywhere.
        return tag.Element == 0 ? DicomVR.UL : DicomVR.UN;
    }
}
