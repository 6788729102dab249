using System.Buffers.Binary;
using System.Text;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Data.ReferenceExport;
using MaMA.MLNet.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Laterality = MaMA.MLNet.Data.Manifest.Laterality;

namespace MaMA.MLNet.Data.Tests.ReferenceExport;

/// <summary>
/// The export against what the MaMA reference reads, as written below from its source (github XYPB/MaMA at 0ca3a9e, read
/// for this test; none of its code is here). A phantom manifest (DICOM) is exported and every column, path and image is
/// checked against this contract, not against the exporter's own constants.
/// </summary>
[TestClass]
public sealed class ReferenceExportContractTests
{
    // ---- The contract ------------------------------------------------------------------------------------------------
    // dataset/constants_val.py L15-16: EMBED_DATA_DIR = DATA_BASE_DIR + "/Embed"; EMBED_DATA_PATH = EMBED_DATA_DIR + "/images".
    // L17-31: the tables and maps the dataset opens, all under EMBED_DATA_DIR + "/tables/".
    private static readonly string[] TableFiles =
    [
        "EMBED_OpenData_metadata_reduced_train.csv", "EMBED_OpenData_metadata_reduced_valid.csv", "EMBED_OpenData_metadata_reduced_test.csv",
        "EMBED_OpenData_clinical_reduced.csv", "EMBED_OpenData_clinical.csv", "AWS_Open_Data_Clinical_Legend.csv",
        "img_path2inter_view.pkl", "img_path2inter_side.pkl",
    ];
    // L39-56 and dataset/pretrain_dataset.py (_create_captions_, L115 "2D" filter, L85-87 tables): columns read from each table.
    private static readonly string[] MetadataColumns = ["anon_dicom_path", "empi_anon", "acc_anon", "ImageLateralityFinal", "ViewPosition", "FinalImageType", "StudyDescription"];
    private static readonly string[] ClinicalReducedColumns = ["acc_anon", "side", "asses", "tissueden", "age_at_study", "RACE_DESC", "ETHNIC_GROUP_DESC"];
    private static readonly string[] ClinicalColumns = ["acc_anon", "side", "massshape", "massdens", "calcfind", "calcdistri"];
    private static readonly string[] LegendColumns = ["Header in export", "Code", "Meaning"];
    // constants_val.py L126-134 (EMBED_LETTER_TO_BIRADS): asses letters for BI-RADS 0-6.
    private const string BiRadsLetters = "ANBPSMK";

    // L57-59 EMBED_PATH_TRANS_FUNC and L154-156 GET_JPEG_PATH_FUNC, as Python's str.replace (every occurrence).
    private static string EmbedPathTrans(string anonDicomPath, string dataBaseDir) =>
        anonDicomPath.Replace("/mnt/NAS2/mammo/anon_dicom", dataBaseDir + "/Embed/images", StringComparison.Ordinal);
    private static string JpegPath(string path) =>
        path.Replace("Embed", "EMBED_1080_JPG", StringComparison.Ordinal).Replace(".dcm", "_resized.jpg", StringComparison.Ordinal);

    // scripts/resize_embed.py L150 pipe(image_size=1080); L33-63 resize_img: long side to 1080, the other
    // int(float(side) * float(1080 / float(long))), a square counting as high; no padding (padding=False).
    private static (int W, int H) ResizedSize(int w, int h) =>
        h >= w ? ((int)(w * (1080 / (double)h)), 1080) : (1080, (int)(h * (1080 / (double)w)));
    // ---------------------------------------------------------------------------------------------------------------

    private const string DataBaseDir = "/srv/mama-data"; // where the reference would train: the maps hold it
    private static string _folder = "";
    private static IReadOnlyList<MammogramRecord> _records = [];
    private static ReferenceExportResult _result = null!;

    private static string Out => Path.Combine(_folder, "out");
    private static string Tables => Path.Combine(Out, "Embed", "tables");

    [ClassInitialize]
    public static void Export(TestContext _)
    {
        _folder = Directory.CreateTempSubdirectory("mama-reference-export-").FullName;
        var generator = new PhantomGenerator(new PhantomOptions { Width = 96, Height = 120, Seed = 3 });
        _records = generator.WriteDataset(Path.Combine(_folder, "phantom"), 5, generator.CreateDicomWriter());
        _result = ReferenceExporter.Export(_records, new ReferenceExportOptions { OutputDirectory = Out, DataRoot = DataBaseDir, MaxDegreeOfParallelism = 2 });
    }

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(_folder, recursive: true);

    private static List<Dictionary<string, string?>> Read(string file)
    {
        var table = CsvTable.Read(Path.Combine(Tables, file));
        return table.Rows.Select(r => table.Header.Select((h, i) => (h, CsvTable.Cell(r, i))).ToDictionary(p => p.h, p => p.Item2)).ToList();
    }

    private static List<Dictionary<string, string?>> Metadata() =>
        new[] { "EMBED_OpenData_metadata_reduced_train.csv", "EMBED_OpenData_metadata_reduced_valid.csv", "EMBED_OpenData_metadata_reduced_test.csv" }
            .SelectMany(Read).ToList();

    [TestMethod]
    public void EveryTableAndMap_IsWhereTheReferenceOpensIt_WithTheColumnsItReads()
    {
        foreach (string file in TableFiles) Assert.IsTrue(File.Exists(Path.Combine(Tables, file)), file);
        foreach (var (file, columns) in new[]
                 {
                     ("EMBED_OpenData_metadata_reduced_train.csv", MetadataColumns), ("EMBED_OpenData_metadata_reduced_valid.csv", MetadataColumns),
                     ("EMBED_OpenData_metadata_reduced_test.csv", MetadataColumns), ("EMBED_OpenData_clinical_reduced.csv", ClinicalReducedColumns),
                     ("EMBED_OpenData_clinical.csv", ClinicalColumns), ("AWS_Open_Data_Clinical_Legend.csv", LegendColumns),
                 })
        {
            var header = CsvTable.Read(Path.Combine(Tables, file)).Header;
            foreach (string column in columns) Assert.Contains(column, header, $"{file} lacks {column}");
        }
    }

    [TestMethod]
    public void MetadataRows_AreTheManifestsImages_InTheirSplits()
    {
        Assert.AreEqual(_records.Count, _result.Images);
        var bySplit = new Dictionary<string, DatasetSplit>
        {
            ["EMBED_OpenData_metadata_reduced_train.csv"] = DatasetSplit.Train,
            ["EMBED_OpenData_metadata_reduced_valid.csv"] = DatasetSplit.Validation,
            ["EMBED_OpenData_metadata_reduced_test.csv"] = DatasetSplit.Test,
        };
        var seen = new HashSet<string>();
        foreach (var (file, split) in bySplit)
        {
            var rows = Read(file);
            var expected = _records.Where(r => r.Split == split).ToList();
            Assert.HasCount(expected.Count, rows, file);
            for (int i = 0; i < rows.Count; i++)
            {
                var (row, record) = (rows[i], expected[i]);
                Assert.AreEqual(record.PatientId, row["empi_anon"]);
                Assert.AreEqual(record.StudyId, row["acc_anon"]);
                Assert.AreEqual(record.Laterality == Laterality.Left ? "L" : "R", row["ImageLateralityFinal"]);
                Assert.AreEqual(record.View, row["ViewPosition"]);
                Assert.AreEqual("2D", row["FinalImageType"], "the reference keeps only 2D images");
                Assert.AreEqual(record.Procedure, row["StudyDescription"]);
                // EMBED_PROCEDURE2REASON_FUNC: "screen" or "diag" in the lower-cased procedure, else the image is dropped.
                string procedure = row["StudyDescription"]!.ToLowerInvariant();
                Assert.IsTrue(procedure.Contains("screen") || procedure.Contains("diag"), procedure);
                string path = row["anon_dicom_path"]!;
                Assert.StartsWith("/mnt/NAS2/mammo/anon_dicom/", path);
                Assert.EndsWith(".dcm", path);
                Assert.IsTrue(seen.Add(path), $"{path} twice");
            }
        }
        Assert.AreEqual(0, _result.LeftOutByReference.Values.Sum(), string.Join("; ", _result.LeftOutByReference));
    }

    [TestMethod]
    public void ClinicalRows_GiveEachImageItsValues_AsFloatsAndLegendCodes()
    {
        var reduced = Read("EMBED_OpenData_clinical_reduced.csv");
        var full = Read("EMBED_OpenData_clinical.csv");
        Assert.HasCount(reduced.Count, full);
        var legend = Read("AWS_Open_Data_Clinical_Legend.csv").ToDictionary(r => (r["Header in export"], r["Code"]), r => r["Meaning"]);
        string? Words(string column, string? code) => code is null ? null : legend[(column, code)];
        for (int i = 0; i < reduced.Count; i++)
        {
            // The reference picks one position and indexes both tables with it: the rows must be the same rows.
            Assert.AreEqual(reduced[i]["acc_anon"], full[i]["acc_anon"]);
            Assert.AreEqual(reduced[i]["side"], full[i]["side"]);
            // pandas must read these as floats: check_element_type (dataset/utils.py L186) accepts str or float only.
            foreach (string column in new[] { "tissueden", "age_at_study" })
                if (reduced[i][column] is { } number) Assert.MatchesRegex(@"^\d+\.0$", number, column);
        }
        foreach (var record in _records)
        {
            string side = record.Laterality == Laterality.Left ? "L" : "R";
            bool found = Enumerable.Range(0, reduced.Count).Any(i =>
                reduced[i]["acc_anon"] == record.StudyId && reduced[i]["side"] == side
                && reduced[i]["asses"] == (record.BiRads is { } b ? BiRadsLetters[b].ToString() : null)
                && reduced[i]["tissueden"] == (record.Density is { } d ? $"{d}.0" : null)
                && reduced[i]["age_at_study"] == (record.Age is { } a ? $"{a}.0" : null)
                && reduced[i]["RACE_DESC"] == record.Race && reduced[i]["ETHNIC_GROUP_DESC"] == record.Ethnicity
                && Words("massshape", full[i]["massshape"]) == record.MassShape && Words("massdens", full[i]["massdens"]) == record.MassDensity
                && Words("calcfind", full[i]["calcfind"]) == record.CalcificationType && Words("calcdistri", full[i]["calcdistri"]) == record.CalcificationDistribution);
            Assert.IsTrue(found, $"no clinical row of {record.StudyId} {side} holds the values of {record.ImagePath}");
        }
        Assert.IsTrue(_records.Any(r => r.MassShape is not null) && _records.Any(r => r.CalcificationType is not null), "the phantom should have findings to check");
    }

    [TestMethod]
    public void Maps_KeyEveryImageByItsTrainingPath_ToTheOtherImagesOfItsStudyAndSide()
    {
        var rows = Metadata();
        var path = rows.ToDictionary(r => r, r => EmbedPathTrans(r["anon_dicom_path"]!, DataBaseDir));
        var side = ReadPickle(Path.Combine(Tables, "img_path2inter_side.pkl"));
        var view = ReadPickle(Path.Combine(Tables, "img_path2inter_view.pkl"));
        Assert.HasCount(rows.Count, side);
        Assert.HasCount(rows.Count, view);
        foreach (var row in rows)
        {
            var sameStudy = rows.Where(o => o != row && o["acc_anon"] == row["acc_anon"]).ToList();
            CollectionAssert.AreEquivalent(sameStudy.Select(o => path[o]).ToList(), side[path[row]].ToList());
            CollectionAssert.AreEquivalent(sameStudy.Where(o => o["ImageLateralityFinal"] == row["ImageLateralityFinal"]).Select(o => path[o]).ToList(), view[path[row]].ToList());
        }
    }

    [TestMethod]
    public void EveryImage_IsAn8BitGrayscaleJpegWhereGetJpegPathPointsWithTheResizedSize()
    {
        var rows = Metadata();
        string local = Out.Replace('\\', '/');
        foreach (var record in _records)
        {
            var row = rows.Single(r => r["acc_anon"] == record.StudyId && r["ViewPosition"] == record.View
                                        && r["ImageLateralityFinal"] == (record.Laterality == Laterality.Left ? "L" : "R"));
            string jpeg = JpegPath(EmbedPathTrans(row["anon_dicom_path"]!, local));
            Assert.IsTrue(File.Exists(jpeg), jpeg);
            var mammogram = MammogramReader.Read(record.ImagePath);
            var (w, h) = ResizedSize(mammogram.Frame.Width, mammogram.Frame.Height);
            var (precision, jh, jw, components) = StartOfFrame(File.ReadAllBytes(jpeg));
            Assert.AreEqual((8, h, w, 1), (precision, jh, jw, components), jpeg);

            // Pixels: the JPEG holds the converter's image (checked against OpenCV in ReferenceImageConverterTests) up to
            // JPEG loss at quality 75.
            var expected = ReferenceImageConverter.Convert(mammogram, 1080).Pixels;
            using var decoded = Image.Load<L8>(jpeg);
            var actual = new byte[w * h];
            decoded.CopyPixelDataTo(actual);
            double meanError = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Average();
            Assert.IsLessThan(2.0, meanError, jpeg);
        }
    }

    [TestMethod]
    public void AnUnreadableImage_StopsTheExport_OrIsLeftOutEverywhereWhenSkipping()
    {
        string dir = Path.Combine(_folder, "bad");
        var generator = new PhantomGenerator(new PhantomOptions { Width = 64, Height = 80, Seed = 3 });
        var records = generator.WriteDataset(Path.Combine(dir, "phantom"), 1, generator.CreateDicomWriter());
        File.WriteAllBytes(records[1].ImagePath, Encoding.ASCII.GetBytes("not an image"));

        var failure = Assert.ThrowsExactly<ReferenceExportException>(() =>
            ReferenceExporter.Export(records, new ReferenceExportOptions { OutputDirectory = Path.Combine(dir, "fail"), MaxDegreeOfParallelism = 1 }));
        Assert.AreEqual(records[1].ImagePath, failure.File);

        var result = ReferenceExporter.Export(records, new ReferenceExportOptions { OutputDirectory = Path.Combine(dir, "skip"), SkipUnreadableImages = true });
        Assert.HasCount(1, result.Unreadable);
        Assert.AreEqual(1, result.Unreadable[0].Index);
        Assert.AreEqual(records.Count - 1, result.Images);
        string tables = Path.Combine(dir, "skip", "Embed", "tables");
        string all = string.Concat(Directory.GetFiles(tables, "*metadata_reduced_*.csv").Select(File.ReadAllText));
        string badName = Path.GetFileNameWithoutExtension(records[1].ImagePath);
        Assert.DoesNotContain($"/{badName}.dcm", all);
        Assert.IsFalse(ReadPickle(Path.Combine(tables, "img_path2inter_side.pkl")).SelectMany(p => p.Value.Append(p.Key)).Any(p => p.EndsWith($"/{badName}.dcm", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void KeepExistingImages_KeepsAWrittenJpeg_AndOtherwiseItIsReplaced_WhileCaptionCachesGo()
    {
        string dir = Path.Combine(_folder, "keep");
        var generator = new PhantomGenerator(new PhantomOptions { Width = 64, Height = 80, Seed = 4 });
        var records = generator.WriteDataset(Path.Combine(dir, "phantom"), 1, generator.CreateDicomWriter());
        var options = new ReferenceExportOptions { OutputDirectory = Path.Combine(dir, "out"), ImageLongSide = 40 };
        ReferenceExporter.Export(records, options);
        // The reference's caption cache (pretrain_dataset.py load_text_data: EMBED_DATA_DIR/{split}_captions_structural.pickle)
        // from earlier tables must not survive a new export.
        string cache = Path.Combine(dir, "out", "Embed", "train_captions_structural.pickle");
        File.WriteAllBytes(cache, [0x80]);
        string jpeg = Directory.GetFiles(Path.Combine(dir, "out", "EMBED_1080_JPG"), "*.jpg", SearchOption.AllDirectories).Order().First();
        File.WriteAllBytes(jpeg, [1, 2, 3]);
        Assert.AreEqual(records.Count, ReferenceExporter.Export(records, options with { KeepExistingImages = true }).KeptExistingImages);
        Assert.HasCount(3, File.ReadAllBytes(jpeg));
        Assert.IsFalse(File.Exists(cache), "a stale caption cache");
        Assert.AreEqual(0, ReferenceExporter.Export(records, options).KeptExistingImages);
        Assert.AreEqual(0xFF, File.ReadAllBytes(jpeg)[0]);
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(dir, "out"), "*.partial", SearchOption.AllDirectories));
    }

    [TestMethod]
    public void WhatTheReferenceWillDrop_OrReadDifferently_IsCounted()
    {
        // One study, L_CC, L_MLO, R_CC, R_MLO. The reference keeps clinical values per exam side and picks the row with
        // the highest valid BI-RADS (the first of equals), and drops an image without density, BI-RADS or a procedure
        // naming screening or diagnostic (pretrain_dataset.py _create_captions_ / create_path_2_sent_mapping).
        var generator = new PhantomGenerator(new PhantomOptions { Width = 64, Height = 80, Seed = 6 });
        var records = generator.WriteDataset(Path.Combine(_folder, "drops", "phantom"), 1, generator.CreateDicomWriter())
            .OrderBy(r => r.Laterality).ThenBy(r => r.View, StringComparer.Ordinal).ToList();
        Assert.AreEqual("L CC, L MLO, R CC, R MLO", string.Join(", ", records.Select(r => $"{(r.Laterality == Laterality.Left ? "L" : "R")} {r.View}")));
        Assert.IsTrue(records.All(r => r.Density is not null && r.BiRads is not null), "the phantom gives every image both");
        records[0] = records[0] with { Density = null };                           // L: its row comes first, both L images read it
        records[1] = records[1] with { Procedure = "MG Bilateral", Reason = null }; // neither screening nor diagnostic
        records[2] = records[2] with { BiRads = null };                            // R: the other row has the valid BI-RADS
        records[3] = records[3] with { Procedure = null, ImageType = null };       // filled from its reason and as 2D
        var result = ReferenceExporter.Export(records, new ReferenceExportOptions { OutputDirectory = Path.Combine(_folder, "drops", "out"), ImageLongSide = 40 });
        Assert.AreEqual(1, result.ProceduresFromReason);
        Assert.AreEqual(1, result.ImageTypesFilled);
        CollectionAssert.AreEquivalent(
            new Dictionary<string, int> { ["no density"] = 1, ["procedure names neither screening nor diagnostic"] = 1 },
            result.LeftOutByReference.ToDictionary());
        Assert.AreEqual(2, result.ClinicalValuesChanged, "L MLO reads L CC's missing density, R CC reads R MLO's BI-RADS");

        // The reference's row choice as its code does it (pretrain_dataset.py L262-290): the side's rows (else "B", else
        // all); all_birads = the valid letters only; idx = argmin when every one is <= 2 and one is 0, else argmax;
        // then anno_row.iloc[idx], a position in ALL the side's rows. R CC must get R MLO's BI-RADS this way too.
        var clinical = CsvTable.Read(Path.Combine(_folder, "drops", "out", "Embed", "tables", "EMBED_OpenData_clinical_reduced.csv"));
        var sideRows = clinical.Rows.Where(r => CsvTable.Cell(r, clinical.IndexOf("side")) == "R").ToList();
        var valid = sideRows.Select(r => CsvTable.Cell(r, clinical.IndexOf("asses"))).Where(a => a is { Length: 1 } && BiRadsLetters.Contains(a[0]))
            .Select(a => BiRadsLetters.IndexOf(a![0])).ToList();
        int idx = valid.Max() <= 2 && valid.Min() == 0 ? valid.IndexOf(valid.Min()) : valid.IndexOf(valid.Max());
        Assert.AreEqual(BiRadsLetters[records[3].BiRads!.Value].ToString(), CsvTable.Cell(sideRows[idx], clinical.IndexOf("asses")));
    }

    [TestMethod]
    public void StudyIdsOfBothKinds_AreReported()
    {
        Assert.IsFalse(_result.StudyIdsMixNumbersAndText);
        Assert.IsTrue(ReferenceExporter.LooksNumeric("0012") && ReferenceExporter.LooksNumeric("1.5e3") && ReferenceExporter.LooksNumeric("-7."));
        Assert.IsFalse(ReferenceExporter.LooksNumeric("S000001") || ReferenceExporter.LooksNumeric("1-2") || ReferenceExporter.LooksNumeric(""));
        var generator = new PhantomGenerator(new PhantomOptions { Width = 64, Height = 80, Seed = 5 });
        var records = generator.WriteDataset(Path.Combine(_folder, "mixed", "phantom"), 1, generator.CreateDicomWriter())
            .Select((r, i) => r with { StudyId = i < 2 ? "123" : "S1" }).ToList();
        var result = ReferenceExporter.Export(records, new ReferenceExportOptions { OutputDirectory = Path.Combine(_folder, "mixed", "out"), ImageLongSide = 40 });
        Assert.AreEqual(records.Count, result.Images);
        Assert.IsTrue(result.StudyIdsMixNumbersAndText);
    }

    [TestMethod]
    public void PathParts_AvoidWhatTheReferenceReplaces_AndNamesStayUnique()
    {
        Assert.AreEqual("embed_1", ReferenceExporter.PathPart("Embed 1"));
        Assert.AreEqual("a_dcm_b", ReferenceExporter.PathPart("a.dcm/b"));
        Assert.AreEqual("_..", ReferenceExporter.PathPart(".."));
        Assert.AreEqual("_", ReferenceExporter.PathPart(""));
        var records = new[] { "x/a.dcm", "y/a.png" }.Select(p => new MammogramRecord { ImagePath = p, PatientId = "P", StudyId = "S" }).ToList();
        // Both would be P/S/a: the second becomes P/S/a_2 (neither file exists, so both are skipped; the plan is what is checked).
        var result = ReferenceExporter.Export(records, new ReferenceExportOptions { OutputDirectory = Path.Combine(_folder, "names"), SkipUnreadableImages = true });
        Assert.HasCount(2, result.Unreadable);
        Assert.ThrowsExactly<ArgumentException>(() => ReferenceExporter.Export(records, new ReferenceExportOptions { OutputDirectory = _folder, DataRoot = "/data/Embed" }));
        Assert.ThrowsExactly<ArgumentException>(() => ReferenceExporter.Export(records, new ReferenceExportOptions { OutputDirectory = _folder, DataRoot = "relative/path" }));
    }

    // SOF0 of a JPEG: sample precision, height, width, component count.
    private static (int Precision, int Height, int Width, int Components) StartOfFrame(byte[] jpeg)
    {
        Assert.AreEqual(0xFFD8, BinaryPrimitives.ReadUInt16BigEndian(jpeg), "not a JPEG");
        int at = 2;
        while (at + 4 <= jpeg.Length)
        {
            int marker = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(at));
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(at + 2));
            if (marker == 0xFFC0)
                return (jpeg[at + 4], BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(at + 5)), BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(at + 7)), jpeg[at + 9]);
            Assert.AreNotEqual(0xFFC2, marker, "progressive JPEG");
            at += 2 + length;
        }
        throw new AssertFailedException("no baseline start-of-frame marker");
    }

    // The subset of pickle opcodes a dict[str, list[str]] uses (checked byte-exact against CPython in PythonPickleWriterTests).
    private static Dictionary<string, string[]> ReadPickle(string path)
    {
        byte[] p = File.ReadAllBytes(path);
        var stack = new List<object>();
        var marks = new Stack<int>();
        int at = 0;
        while (true)
        {
            byte op = p[at++];
            switch (op)
            {
                case 0x80: at++; break;
                case (byte)'}': stack.Add(new Dictionary<string, string[]>()); break;
                case (byte)']': stack.Add(new List<string>()); break;
                case (byte)'(': marks.Push(stack.Count); break;
                case (byte)'X':
                    int n = (int)BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(at));
                    stack.Add(Encoding.UTF8.GetString(p, at + 4, n));
                    at += 4 + n;
                    break;
                case (byte)'a': ((List<string>)stack[^2]).Add((string)stack[^1]); stack.RemoveAt(stack.Count - 1); break;
                case (byte)'e' or (byte)'u' or (byte)'s':
                    int from = op == 's' ? stack.Count - 2 : marks.Pop();
                    var items = stack.GetRange(from, stack.Count - from);
                    stack.RemoveRange(from, items.Count);
                    if (op == 'e') ((List<string>)stack[^1]).AddRange(items.Cast<string>());
                    else for (int i = 0; i < items.Count; i += 2) ((Dictionary<string, string[]>)stack[^1])[(string)items[i]] = ((List<string>)items[i + 1]).ToArray();
                    break;
                case (byte)'.': return (Dictionary<string, string[]>)stack.Single();
                default: throw new AssertFailedException($"unexpected pickle opcode 0x{op:x2} at {at - 1}");
            }
        }
    }
}
