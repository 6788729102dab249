using System.Globalization;
using System.Text;
using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Embeddings;

/// <summary>
/// One CSV file: <c>path,study_id,patient_id,view,laterality,e0..e{E-1}</c>, invariant culture, round-trip floats,
/// RFC 4180 quoting, text cells neutralised against CSV injection (<see cref="CsvCell"/>; numbers never), appended and flushed a batch at a time. On resume a last line without its line break (the run was
/// killed inside it) is cut off, and the paths of the whole lines are skipped.
/// </summary>
internal sealed class CsvEmbeddingFileWriter : EmbeddingTableWriter
{
    private static readonly string[] FixedColumns =
        [EmbeddingTableColumns.Path, EmbeddingTableColumns.StudyId, EmbeddingTableColumns.PatientId, EmbeddingTableColumns.View, EmbeddingTableColumns.Laterality];

    private readonly StreamWriter _writer;
    private readonly StringBuilder _line = new();

    private CsvEmbeddingFileWriter(StreamWriter writer, IReadOnlySet<string> stored, int embeddingSize) : base(stored, embeddingSize) => _writer = writer;

    /// <summary>The header line's fields for width <paramref name="embeddingSize"/>.</summary>
    public static string[] Header(int embeddingSize) =>
        [.. FixedColumns, .. Enumerable.Range(0, embeddingSize).Select(j => "e" + j.ToString(CultureInfo.InvariantCulture))];

    /// <summary><paramref name="path"/> for the whole manifest, else <c>name.shard-K-of-N.csv</c>.</summary>
    public static string ShardFile(string path, ManifestShard shard) =>
        shard.Count == 1 ? path : Path.ChangeExtension(path, string.Create(CultureInfo.InvariantCulture, $".shard-{shard.Index:D5}-of-{shard.Count:D5}.csv"));

    public static CsvEmbeddingFileWriter Open(string path, EmbeddingTableWriterOptions options)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        bool fresh = !File.Exists(path) || new FileInfo(path).Length == 0;
        if (!fresh)
        {
            TruncateCutLine(path);
            int width = EmbeddingTableReader.ReadCsvPaths(path, stored);
            if (width != options.EmbeddingSize)
                throw new EmbeddingTableException($"{path}: embeddings of width {width}; this run writes {options.EmbeddingSize} (another model? write to a new file).");
        }
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
        if (fresh)
        {
            writer.Write(string.Join(',', Header(options.EmbeddingSize)) + "\n");
            writer.Flush();
        }
        return new CsvEmbeddingFileWriter(writer, stored, options.EmbeddingSize);
    }

    // Everything after the last line break is a line the killed run did not finish.
    private static void TruncateCutLine(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        long end = stream.Length;
        var buffer = new byte[4096];
        long position = end;
        while (position > 0)
        {
            int count = (int)Math.Min(buffer.Length, position);
            position -= count;
            stream.Position = position;
            stream.ReadExactly(buffer, 0, count);
            int newline = Array.LastIndexOf(buffer, (byte)'\n', count - 1, count);
            if (newline >= 0)
            {
                stream.SetLength(position + newline + 1);
                return;
            }
        }
        stream.SetLength(0);
    }

    public override void Append(IReadOnlyList<EmbeddingRow> rows)
    {
        CheckWidth(rows);
        foreach (var row in rows)
        {
            _line.Clear();
            _line.Append(CsvCell.Text(row.Path)).Append(',')
                 .Append(CsvCell.Text(row.StudyId)).Append(',')
                 .Append(CsvCell.Text(row.PatientId)).Append(',')
                 .Append(CsvCell.Text(row.View)).Append(',')
                 .Append(CsvCell.Text(row.Laterality));
            foreach (float v in row.Embedding) _line.Append(',').Append(CsvCell.Number(v));
            _line.Append('\n');
            _writer.Write(_line);
            RowsWritten++;
        }
        _writer.Flush();
    }

    public override void Complete()
    {
        _writer.Flush();
        _writer.BaseStream.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _writer.Dispose();
    }
}
