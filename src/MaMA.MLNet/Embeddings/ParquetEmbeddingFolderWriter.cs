using System.Globalization;
using System.Text.RegularExpressions;
using Parquet;

namespace MaMA.MLNet.Embeddings;

/// <summary>
/// A folder of Parquet part files <c>part-KKKKK-of-NNNNN-SSSSS.parquet</c> (shard K of N, sequence S). A part is
/// written as <c>.part-….parquet.tmp</c> (hidden: Spark, pyarrow and a <c>*.parquet</c> glob skip it), row group by
/// row group, and renamed when it holds <see cref="EmbeddingTableWriterOptions.RowsPerFile"/> rows or the table
/// completes; a killed run leaves whole parts and one temporary file, which the next run of the shard deletes.
/// </summary>
internal sealed partial class ParquetEmbeddingFolderWriter : EmbeddingTableWriter
{
    private readonly ParquetEmbeddingSchema _schema = new();
    private readonly string _folder;
    private readonly EmbeddingTableWriterOptions _options;
    private readonly List<EmbeddingRow> _buffer = [];
    private int _nextSequence;
    private FileStream? _stream;
    private ParquetWriter? _writer;
    private string? _tempPath, _finalPath;
    private int _rowsInPart;

    private ParquetEmbeddingFolderWriter(string folder, EmbeddingTableWriterOptions options, IReadOnlySet<string> stored, int nextSequence)
        : base(stored, options.EmbeddingSize)
    {
        _folder = folder;
        _options = options;
        _nextSequence = nextSequence;
    }

    [GeneratedRegex(@"^part-(\d{5})-of-(\d{5})-(\d{5,})\.parquet$")]
    private static partial Regex PartName();

    private static string ShardPrefix(ManifestShard shard) =>
        string.Create(CultureInfo.InvariantCulture, $"part-{shard.Index:D5}-of-{shard.Count:D5}-");

    public static ParquetEmbeddingFolderWriter Open(string folder, EmbeddingTableWriterOptions options)
    {
        if (File.Exists(folder))
            throw new EmbeddingTableException($"{folder}: is a file; Parquet output is a folder of part files (write .csv for one CSV file).");
        Directory.CreateDirectory(folder);
        string prefix = ShardPrefix(options.Shard);
        // A temporary part of this shard is what a killed run was writing: never complete, never read.
        foreach (string stale in Directory.EnumerateFiles(folder, "." + prefix + "*.parquet.tmp"))
            File.Delete(stale);
        var stored = new HashSet<string>(StringComparer.Ordinal);
        int next = 0;
        foreach (string file in EmbeddingTableReader.PartFiles(folder))
        {
            int width = EmbeddingTableReader.ReadPaths(file, stored);
            if (width != options.EmbeddingSize)
                throw new EmbeddingTableException($"{file}: embeddings of width {width}; this run writes {options.EmbeddingSize} (another model? write to a new folder).");
            string name = Path.GetFileName(file);
            if (name.StartsWith(prefix, StringComparison.Ordinal) && PartName().Match(name) is { Success: true } m)
                next = Math.Max(next, int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) + 1);
        }
        return new ParquetEmbeddingFolderWriter(folder, options, stored, next);
    }

    public override void Append(IReadOnlyList<EmbeddingRow> rows)
    {
        CheckWidth(rows);
        foreach (var row in rows)
        {
            _buffer.Add(row);
            RowsWritten++;
            // A row group ends at the group size or where the part file must end.
            if (_buffer.Count == _options.RowGroupSize || _rowsInPart + _buffer.Count == _options.RowsPerFile)
                Flush();
        }
    }

    public override void Complete()
    {
        if (_buffer.Count > 0) Flush();
        ClosePart();
    }

    private void Flush()
    {
        if (_writer is null) OpenPart();
        WriteRowGroup(_buffer).GetAwaiter().GetResult();
        _rowsInPart += _buffer.Count;
        _buffer.Clear();
        if (_rowsInPart >= _options.RowsPerFile) ClosePart();
    }

    private void OpenPart()
    {
        string name = ShardPrefix(_options.Shard) + _nextSequence.ToString("D5", CultureInfo.InvariantCulture) + ".parquet";
        _nextSequence++;
        _finalPath = Path.Combine(_folder, name);
        _tempPath = Path.Combine(_folder, "." + name + ".tmp");
        _stream = new FileStream(_tempPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        _writer = ParquetWriter.CreateAsync(_schema.Schema, _stream).GetAwaiter().GetResult();
        _writer.CustomMetadata = new Dictionary<string, string>
        {
            [EmbeddingTableColumns.EmbeddingSizeMetadataKey] = EmbeddingSize.ToString(CultureInfo.InvariantCulture),
        };
        _rowsInPart = 0;
    }

    private async Task WriteRowGroup(List<EmbeddingRow> rows)
    {
        int n = rows.Count, e = EmbeddingSize;
        using var group = _writer!.CreateRowGroup();
        await group.WriteAsync(_schema.Path, rows.Select(r => r.Path).ToArray());
        await group.WriteAsync(_schema.StudyId, rows.Select(r => r.StudyId).ToArray());
        await group.WriteAsync(_schema.PatientId, rows.Select(r => r.PatientId).ToArray());
        await group.WriteAsync(_schema.View, rows.Select(r => r.View).ToArray());
        await group.WriteAsync(_schema.Laterality, rows.Select(r => r.Laterality).ToArray());
        var values = new float[n * e];
        var repetition = new int[n * e];
        var definition = new int[n * e];
        for (int i = 0; i < n; i++)
        {
            rows[i].Embedding.CopyTo(values, i * e);
            // Repetition level 0 starts a row's list, 1 continues it; every element is present (maximum definition level).
            for (int j = 1; j < e; j++) repetition[i * e + j] = 1;
        }
        Array.Fill(definition, _schema.Element.MaxDefinitionLevel);
        await group.WriteAllPartsAsync<float>(_schema.Element, values, definition, repetition, CancellationToken.None);
    }

    private void ClosePart()
    {
        if (_writer is null) return;
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _writer = null;
        _stream!.Flush(flushToDisk: true);
        _stream.Dispose();
        _stream = null;
        File.Move(_tempPath!, _finalPath!, overwrite: false);
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing || _stream is null) return;
        // Not completed: the open part is incomplete; it is dropped, the finished parts stay.
        try { _writer?.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        catch (IOException) { }
        _writer = null;
        _stream.Dispose();
        _stream = null;
        File.Delete(_tempPath!);
    }
}
