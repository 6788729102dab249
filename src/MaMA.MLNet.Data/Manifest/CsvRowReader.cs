using System.Text;

namespace MaMA.MLNet.Data.Manifest;

/// <summary>One CSV record: its fields and the 1-based line it starts on.</summary>
/// <param name="Line">The line the record starts on (a quoted field may span lines).</param>
/// <param name="Fields">The unquoted field values.</param>
public sealed record CsvRow(int Line, string[] Fields);

/// <summary>
/// A streaming RFC 4180 reader: comma separators, CRLF or LF record ends, double-quoted fields that may hold
/// commas, quotes ("") and line breaks. A leading UTF-8 byte-order mark is skipped; blank lines are skipped.
/// A field that <see cref="CsvCell.Text"/> neutralised against CSV injection (<c>'=...</c>) reads back without the
/// <c>'</c> (<see cref="CsvCell.Unguard"/>), as a spreadsheet reads it.
/// Errors (an unterminated quote, text after a closing quote) name the file and line.
/// </summary>
/// <remarks>
/// Why not CsvHelper: manifests need exact line numbers of the record start for error messages, and
/// tolerant per-cell conversion that reports rather than throws; a 100-line reader does both and keeps the
/// library free of a dependency for its consumers.
/// </remarks>
public sealed class CsvRowReader
{
    private readonly TextReader _reader;
    private readonly string _file;
    private int _line = 1;

    /// <summary>Reads from <paramref name="reader"/>; <paramref name="file"/> names the source in errors.</summary>
    public CsvRowReader(TextReader reader, string file)
    {
        _reader = reader;
        _file = file;
        if (_reader.Peek() == '\uFEFF') _reader.Read();
    }

    /// <summary>All records, in order.</summary>
    public IEnumerable<CsvRow> ReadAll()
    {
        while (TryRead(out CsvRow? row))
            yield return row!;
    }

    /// <summary>Reads the next non-blank record; false at the end of the input.</summary>
    public bool TryRead(out CsvRow? row)
    {
        while (true)
        {
            row = null;
            if (_reader.Peek() < 0) return false;
            int startLine = _line;
            var fields = new List<string>();
            var field = new StringBuilder();
            bool quoted = false, afterQuote = false, any = false;
            while (true)
            {
                int c = _reader.Read();
                if (c < 0)
                {
                    if (quoted) throw new ManifestFormatException(_file, startLine, null, "a quoted field is not closed before the end of the file.");
                    break;
                }
                any = true;
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (_reader.Peek() == '"') { _reader.Read(); field.Append('"'); }
                        else { quoted = false; afterQuote = true; }
                    }
                    else
                    {
                        if (c == '\n') _line++;
                        field.Append((char)c);
                    }
                    continue;
                }
                if (c == ',')
                {
                    fields.Add(CsvCell.Unguard(field.ToString()));
                    field.Clear();
                    afterQuote = false;
                }
                else if (c == '\r' || c == '\n')
                {
                    if (c == '\r' && _reader.Peek() == '\n') _reader.Read();
                    _line++;
                    break;
                }
                else if (afterQuote)
                {
                    throw new ManifestFormatException(_file, startLine, $"#{fields.Count + 1}", $"unexpected character '{(char)c}' after a closing quote.");
                }
                else if (c == '"' && field.Length == 0)
                {
                    quoted = true;
                }
                else
                {
                    field.Append((char)c);
                }
            }
            fields.Add(CsvCell.Unguard(field.ToString()));
            if (!any || (fields.Count == 1 && fields[0].Length == 0 && !afterQuote)) continue; // blank line
            row = new CsvRow(startLine, [.. fields]);
            return true;
        }
    }
}
