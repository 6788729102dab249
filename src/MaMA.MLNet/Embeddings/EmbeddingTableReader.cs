using System.Globalization;
using MaMA.MLNet.Data.Manifest;
using Parquet;
using Parquet.Schema;

namespace MaMA.MLNet.Embeddings;

/// <summary>
/// Reads an embedding table back, a row group at a time: a folder (every visible <c>*.parquet</c> and <c>*.csv</c>
/// file in it, in name order: all shards as one table), one Parquet file or one CSV file.
/// </summary>
public static class EmbeddingTableReader
{
    // A row group of more values than this is refused before anything is allocated for it (a small corrupt file
    // must not ask for gigabytes); 2^28 floats is 1 GiB, far above any row group mama embed writes.
    private const long MaxValuesPerRowGroup = 1L << 28;

    /// <summary>The files of the table at <paramref name="path"/> (a folder, a .parquet file or a .csv file).</summary>
    /// <exception cref="EmbeddingTableException">Nothing is there, or the folder holds no table file.</exception>
    public static IReadOnlyList<string> Files(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
        {
            var files = PartFiles(path).Concat(Visible(path, "*.csv")).ToList();
            return files.Count > 0 ? files : throw new EmbeddingTableException($"{path}: the folder holds no .parquet or .csv embedding file.");
        }
        return File.Exists(path) ? [path] : throw new EmbeddingTableException($"{path}: no such embedding table (file or folder).");
    }

    /// <summary>The embedding width of the table at <paramref name="path"/> (its first file's).</summary>
    /// <exception cref="EmbeddingTableException">The table is missing or malformed.</exception>
    public static int EmbeddingSize(string path)
    {
        string file = Files(path)[0];
        return IsCsv(file) ? ReadCsvPaths(file, new HashSet<string>(), headerOnly: true) : ParquetWidth(file);
    }

    /// <summary>Every row of the table at <paramref name="path"/>, streamed; all files must have one width.</summary>
    /// <exception cref="EmbeddingTableException">A file is malformed or has another width than the first.</exception>
    public static IEnumerable<EmbeddingRow> Read(string path)
    {
        int? width = null;
        foreach (string file in Files(path))
        {
            var rows = IsCsv(file) ? ReadCsv(file) : ReadParquet(file);
            foreach (var row in rows)
            {
                width ??= row.Embedding.Length;
                if (row.Embedding.Length != width)
                    throw new EmbeddingTableException($"{file}: embeddings of width {row.Embedding.Length}, earlier files of the table have {width}.");
                yield return row;
            }
        }
    }

    internal static IEnumerable<string> PartFiles(string folder) => Visible(folder, "*.parquet");

    // Hidden files are temporary parts of a running (or killed) writer.
    private static IEnumerable<string> Visible(string folder, string pattern) =>
        Directory.EnumerateFiles(folder, pattern).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal);

    private static bool IsCsv(string file) => file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds the paths of a Parquet part to <paramref name="paths"/>; returns its embedding width.</summary>
    internal static int ReadPaths(string file, HashSet<string> paths) => Run(file, async () =>
    {
        await using var reader = await ParquetReader.CreateAsync(file);
        var (pathField, _, width) = Fields(file, reader);
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            foreach (string? p in await Strings(group, pathField)) paths.Add(p ?? throw new EmbeddingTableException($"{file}: a row without a path."));
        }
        return width;
    });

    private static int ParquetWidth(string file) => Run(file, async () =>
    {
        await using var reader = await ParquetReader.CreateAsync(file);
        return Fields(file, reader).Width;
    });

    private static IEnumerable<EmbeddingRow> ReadParquet(string file)
    {
        // One row group at a time, so memory holds one group whatever the table's size.
        int groups = Run(file, async () => { await using var r = await ParquetReader.CreateAsync(file); return r.RowGroupCount; });
        for (int g = 0; g < groups; g++)
        {
            int index = g;
            foreach (var row in Run(file, () => ReadGroup(file, index))) yield return row;
        }
    }

    private static async Task<List<EmbeddingRow>> ReadGroup(string file, int index)
    {
        await using var reader = await ParquetReader.CreateAsync(file);
        var (pathField, element, width) = Fields(file, reader);
        var fields = reader.Schema.GetDataFields();
        DataField Named(string name) => fields.FirstOrDefault(f => f.Name == name)
            ?? throw new EmbeddingTableException($"{file}: no '{name}' column; not an embedding table.");
        using var group = reader.OpenRowGroupReader(index);
        long rows = group.RowCount, values = rows * width;
        if (values > MaxValuesPerRowGroup)
            throw new EmbeddingTableException($"{file}: row group {index} claims {rows} rows of width {width}, more than one reader batch may hold.");
        if (group.GetMetadata(element)?.MetaData?.NumValues is { } stored && stored != values)
            throw new EmbeddingTableException($"{file}: row group {index} has {stored} embedding values for {rows} rows of width {width}; rows differ in width.");
        var paths = await Strings(group, pathField);
        var studies = await Strings(group, Named(EmbeddingTableColumns.StudyId));
        var patients = await Strings(group, Named(EmbeddingTableColumns.PatientId));
        var views = await Strings(group, Named(EmbeddingTableColumns.View));
        var lateralities = await Strings(group, Named(EmbeddingTableColumns.Laterality));
        var data = new float[values];
        var definition = new int[values];
        var repetition = new int[values];
        await group.ReadRawAsync<float>(element, data, definition, repetition);
        var result = new List<EmbeddingRow>((int)rows);
        for (int i = 0; i < rows; i++)
        {
            if (repetition[i * width] != 0 || (width > 1 && repetition[i * width + 1] != 1))
                throw new EmbeddingTableException($"{file}: row group {index}, row {i}: the embedding list is not {width} long.");
            result.Add(new EmbeddingRow
            {
                Path = paths[i] ?? throw new EmbeddingTableException($"{file}: row group {index}, row {i} has no path."),
                StudyId = studies[i] ?? "",
                PatientId = patients[i] ?? "",
                View = views[i],
                Laterality = lateralities[i],
                Embedding = data.AsSpan(i * width, width).ToArray(),
            });
        }
        return result;
    }

    private static (DataField Path, DataField Element, int Width) Fields(string file, ParquetReader reader)
    {
        var fields = reader.Schema.GetDataFields();
        var path = fields.FirstOrDefault(f => f.Name == EmbeddingTableColumns.Path && f.MaxRepetitionLevel == 0);
        var element = fields.FirstOrDefault(f => f.Path.ToString().StartsWith(EmbeddingTableColumns.Embedding, StringComparison.Ordinal) && f.MaxRepetitionLevel == 1 && f.ClrType == typeof(float));
        if (path is null || element is null)
            throw new EmbeddingTableException($"{file}: not an embedding table (it needs a '{EmbeddingTableColumns.Path}' column and an '{EmbeddingTableColumns.Embedding}' list of float).");
        if (!reader.CustomMetadata.TryGetValue(EmbeddingTableColumns.EmbeddingSizeMetadataKey, out string? text)
            || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int width) || width < 1)
            throw new EmbeddingTableException($"{file}: no valid '{EmbeddingTableColumns.EmbeddingSizeMetadataKey}' metadata; not written by mama embed.");
        return (path, element, width);
    }

    private static async Task<string?[]> Strings(ParquetRowGroupReader group, DataField field)
    {
        var values = new string?[group.RowCount];
        await group.ReadAsync(field, values.AsMemory());
        return values;
    }

    // Parquet.Net is asynchronous only; these calls run on the caller's thread (no synchronisation context in a
    // console or ML.NET cursor), and its format errors become ours, naming the file.
    private static T Run<T>(string file, Func<Task<T>> read)
    {
        try
        {
            return read().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not EmbeddingTableException and (IOException or InvalidDataException or InvalidOperationException or ArgumentException or NotSupportedException or FormatException or IndexOutOfRangeException or OverflowException))
        {
            throw new EmbeddingTableException($"{file}: not a readable Parquet embedding table ({e.Message}).", e);
        }
    }

    /// <summary>Adds the paths of a CSV table to <paramref name="paths"/>; returns its embedding width.</summary>
    internal static int ReadCsvPaths(string file, HashSet<string> paths, bool headerOnly = false)
    {
        using var text = new StreamReader(file);
        var reader = new CsvRowReader(text, file);
        int width = CsvWidth(file, reader);
        if (headerOnly) return width;
        while (reader.TryRead(out var row))
        {
            if (row!.Fields.Length != width + 5) throw new EmbeddingTableException($"{file}, line {row.Line}: {row.Fields.Length} fields, the header has {width + 5}.");
            paths.Add(row.Fields[0]);
        }
        return width;
    }

    private static int CsvWidth(string file, CsvRowReader reader)
    {
        if (!reader.TryRead(out var header)) throw new EmbeddingTableException($"{file}: empty; not an embedding table.");
        int width = header!.Fields.Length - 5;
        if (width < 1 || !header.Fields.SequenceEqual(CsvEmbeddingFileWriter.Header(width), StringComparer.Ordinal))
            throw new EmbeddingTableException($"{file}: the header is not path,study_id,patient_id,view,laterality,e0,e1,...; not an embedding table.");
        return width;
    }

    private static IEnumerable<EmbeddingRow> ReadCsv(string file)
    {
        using var text = new StreamReader(file);
        var reader = new CsvRowReader(text, file);
        int width = CsvWidth(file, reader);
        while (reader.TryRead(out var row))
        {
            var f = row!.Fields;
            if (f.Length != width + 5) throw new EmbeddingTableException($"{file}, line {row.Line}: {f.Length} fields, the header has {width + 5}.");
            var embedding = new float[width];
            for (int j = 0; j < width; j++)
                if (!float.TryParse(f[5 + j], NumberStyles.Float, CultureInfo.InvariantCulture, out embedding[j]))
                    throw new EmbeddingTableException($"{file}, line {row.Line}: e{j} is '{f[5 + j]}', not a number.");
            yield return new EmbeddingRow
            {
                Path = f[0], StudyId = f[1], PatientId = f[2],
                View = f[3].Length == 0 ? null : f[3], Laterality = f[4].Length == 0 ? null : f[4],
                Embedding = embedding,
            };
        }
    }
}
