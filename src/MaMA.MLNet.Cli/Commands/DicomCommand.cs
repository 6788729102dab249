using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// `mama dicom info FILE [--json]`: the typed mammography header and presentation of a DICOM file.
/// `mama dicom pixels FILE OUT`: every frame's stored values in the conformance set's canonical form (signed
/// 32-bit little endian, frame/row/column order, before any LUT), for comparing with other decoders.
/// `mama dicom png FILE OUT [--image-size N] [--frame F]`: the image after MaMA preprocessing (VOI, Otsu crop, resize),
/// single channel, as a 16-bit PNG.
/// </summary>
public sealed class DicomCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var command = new Command("dicom", "Inspect DICOM files: typed header, stored pixel values.");
        command.Subcommands.Add(BuildInfo());
        command.Subcommands.Add(BuildPixels());
        command.Subcommands.Add(BuildPng());
        return command;
    }

    private static Command BuildInfo()
    {
        var file = new Argument<FileInfo>("file") { Description = "The DICOM file (Part 10 or a bare data set)." };
        var json = CommonOptions.Json();
        var info = new Command("info", "Print the typed mammography header, transfer syntax and presentation.");
        info.Arguments.Add(file);
        info.Options.Add(json);
        info.SetAction(parseResult => Run(() =>
        {
            var path = parseResult.GetValue(file)!.FullName;
            var dicom = OpenDicom(path);
            var document = Describe(dicom);
            var output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(json))
            {
                output.WriteLine(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                foreach (var (key, value) in document)
                    output.WriteLine($"{key,-26} {(value is JsonValue v ? v.ToString() : value?.ToJsonString())}");
            }
        }));
        return info;
    }

    private static Command BuildPixels()
    {
        var file = new Argument<FileInfo>("file") { Description = "The DICOM file." };
        var output = new Argument<FileInfo>("out") { Description = "Where to write the values (signed 32-bit little endian)." };
        var pixels = new Command("pixels", "Write every frame's stored values as signed 32-bit little-endian integers, frame by frame, row by row.");
        pixels.Arguments.Add(file);
        pixels.Arguments.Add(output);
        pixels.SetAction(parseResult => OutputChecks.File(parseResult.GetValue(output)!.FullName, "OUT") ?? Run(() =>
        {
            var dicom = OpenDicom(parseResult.GetValue(file)!.FullName);
            var description = DicomPixelDescription.FromDataset(dicom.Dataset);
            DecodeLimits.Default.CheckFrame(dicom.Source, "DICOM", description.Columns, description.Rows, description.SamplesPerPixel);
            var values = new int[description.ValuesPerFrame];
            using var stream = new FileStream(parseResult.GetValue(output)!.FullName, FileMode.Create, FileAccess.Write);
            for (int frame = 0; frame < description.Frames; frame++)
            {
                DicomPixelDecoder.DecodeFrame(dicom, description, frame, values);
                if (!BitConverter.IsLittleEndian) for (int i = 0; i < values.Length; i++) values[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(values[i]);
                stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            }
        }));
        return pixels;
    }

    private static Command BuildPng()
    {
        var file = new Argument<FileInfo>("file") { Description = "The image (DICOM, PNG, JPEG, TIFF or PGM; the format is sniffed)." };
        var output = new Argument<FileInfo>("out") { Description = "The 16-bit grayscale PNG to write." };
        // --image-size as in every other command that prepares model input (--size is only ever the phantom's canvas).
        var size = new Option<int>("--image-size") { Description = "Model input size in pixels (square).", DefaultValueFactory = _ => Imaging.Preprocessing.PreprocessingOptions.Default.ImageSize };
        var frame = new Option<int>("--frame") { Description = "Frame of a multi-frame file (0-based)." };
        var png = new Command("png", "Write the image after MaMA preprocessing (VOI LUT, Otsu crop to the breast, antialiased resize) as a 16-bit PNG.");
        png.Arguments.Add(file);
        png.Arguments.Add(output);
        png.Options.Add(size);
        png.Options.Add(frame);
        png.SetAction(parseResult =>
        {
            int n = parseResult.GetValue(size);
            // A bad number on the command line is a usage error (2), not a bad input file (3).
            if (n < 14)
            {
                return ExitCodes.Fail($"--image-size must be at least 14, got {n}.", ExitCodes.Usage);
            }
            if (OutputChecks.File(parseResult.GetValue(output)!.FullName, "OUT") is int unwritable) return unwritable;
            return Run(() =>
            {
                var mammogram = MammogramReader.Read(parseResult.GetValue(file)!.FullName, parseResult.GetValue(frame));
                var preprocessor = new Imaging.Preprocessing.MammogramPreprocessor(Imaging.Preprocessing.PreprocessingOptions.Default with { ImageSize = n });
                preprocessor.ToPng16(mammogram, parseResult.GetValue(output)!.FullName);
            });
        });
        return png;
    }

    /// <summary>
    /// Opens a DICOM file; a file that fails to parse and has no "DICM" marker at byte 128 is reported as not a DICOM
    /// file (as <c>dicom png</c> does through the format sniffer) rather than with the parser's detail.
    /// </summary>
    private static DicomFile OpenDicom(string path)
    {
        try
        {
            return DicomFile.Open(path);
        }
        catch (DicomException e) when (!HasPart10Marker(path))
        {
            throw new DicomFormatException(path, $"not a DICOM file (no DICM marker at byte 128, and not a bare data set: {e.Message})");
        }
    }

    private static bool HasPart10Marker(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> head = stackalloc byte[132];
            return stream.ReadAtLeast(head, 132, throwOnEndOfStream: false) == 132 && head[128..].SequenceEqual("DICM"u8);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Runs an action; bad or unwritable files end in <see cref="UserErrors"/> (exit 3, one line).</summary>
    private static int Run(Action action)
    {
        action();
        return ExitCodes.Success;
    }

    private static JsonObject Describe(DicomFile file)
    {
        var header = MammographyHeaderReader.Read(file);
        var presentation = PixelPresentationReader.Read(file.Dataset);
        return new JsonObject
        {
            ["file"] = file.Source,
            ["transferSyntaxUid"] = file.TransferSyntax.Uid,
            ["transferSyntax"] = file.TransferSyntax.Name + (file.TransferSyntaxGuessed ? " (guessed: no transfer syntax in the file)" : ""),
            ["patientId"] = header.PatientId,
            ["studyInstanceUid"] = header.StudyInstanceUid,
            ["seriesInstanceUid"] = header.SeriesInstanceUid,
            ["sopInstanceUid"] = header.SopInstanceUid,
            ["modality"] = header.Modality,
            ["laterality"] = header.Laterality.ToString(),
            ["view"] = header.View,
            ["patientAgeYears"] = header.PatientAgeYears,
            ["manufacturer"] = header.Manufacturer,
            ["manufacturerModelName"] = header.ManufacturerModelName,
            ["pixelSpacingMm"] = header.PixelSpacingMm is { } s ? new JsonArray(s.Row, s.Column) : null,
            ["presentationIntent"] = header.PresentationIntent.ToString(),
            ["breastImplantPresent"] = header.BreastImplantPresent,
            ["rows"] = header.Rows,
            ["columns"] = header.Columns,
            ["frames"] = header.NumberOfFrames,
            ["samplesPerPixel"] = header.SamplesPerPixel,
            ["bitsAllocated"] = header.BitsAllocated,
            ["bitsStored"] = header.BitsStored,
            ["highBit"] = header.HighBit,
            ["signed"] = header.IsSigned,
            ["photometricInterpretation"] = header.PhotometricInterpretation,
            ["rescaleSlope"] = presentation.RescaleSlope,
            ["rescaleIntercept"] = presentation.RescaleIntercept,
            ["modalityLut"] = presentation.ModalityLut is { } m ? $"{m.Entries.Length} entries from {m.FirstMappedValue}, {m.BitsPerEntry} bits" : null,
            ["windows"] = new JsonArray([.. presentation.Windows.Select(w => (JsonNode)new JsonObject
            {
                ["center"] = w.Center,
                ["width"] = w.Width,
                ["explanation"] = w.Explanation,
            })]),
            ["voiLutFunction"] = presentation.VoiLutFunction.ToString(),
            ["voiLuts"] = presentation.VoiLuts.Count,
            ["presentationLutShape"] = presentation.PresentationLutShape,
            ["inverted"] = presentation.IsInverted,
        };
    }
}
