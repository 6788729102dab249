using System.Globalization;
using MaMA.MLNet.Data.Manifest;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Components;

/// <summary>
/// The pretraining estimator's view of its input: which columns it reads, their type checks (on a schema and on a
/// schema shape, with ML.NET's "schema mismatch" wording), and the rows as <see cref="MammogramRecord"/>s parsed the
/// way the CSV manifest reader parses cells (<see cref="ManifestValues"/>).
/// </summary>
internal static class PretrainingRows
{
    private static readonly Type[] NumberTypes = [typeof(float), typeof(double), typeof(int), typeof(long), typeof(uint), typeof(ulong)];

    private const string TextOnly = "Text";
    private const string TextOrNumber = "Text or a number (Single, Double, Int32, Int64, UInt32, UInt64)";

    /// <summary>The columns read for training: (column, what it is, numbers allowed).</summary>
    public static IReadOnlyList<(string Column, string Role, bool Numeric)> Columns(MaMAPretrainingEstimator.Options options)
    {
        var columns = new List<(string, string, bool)> { (options.ImagePathColumnName, "image path", false) };
        if (options.StudyIdColumnName is { } study) columns.Add((study, "study id", true));
        if (options.PatientIdColumnName is { } patient) columns.Add((patient, "patient id", true));
        if (options.CaptionColumnName is { } caption) columns.Add((caption, "caption", false));
        foreach (var (field, column, numeric) in options.Metadata.Named()) columns.Add((column, field, numeric));
        return columns;
    }

    /// <summary>Checks that every column read exists and has a usable type.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has another type; the message names it.</exception>
    public static void Check(DataViewSchema schema, MaMAPretrainingEstimator.Options options)
    {
        foreach (var (name, role, numeric) in Columns(options))
        {
            var column = schema.GetColumnOrNull(name) ?? throw Missing(name, role);
            if (!Accepts(column.Type, numeric)) throw Mismatch(name, role, numeric, column.Type.ToString() ?? column.Type.GetType().Name);
        }
    }

    /// <summary>The same checks on a schema shape (kinds and item types only).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has another type.</exception>
    public static void Check(SchemaShape shape, MaMAPretrainingEstimator.Options options)
    {
        foreach (var (name, role, numeric) in Columns(options))
        {
            if (Find(shape, name) is not { } column) throw Missing(name, role);
            if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.IsKey || !Accepts(column.ItemType, numeric))
                throw Mismatch(name, role, numeric, column.Kind == SchemaShape.Column.VectorKind.Scalar ? $"{column.ItemType}" : $"a vector of {column.ItemType}");
        }
    }

    /// <summary>The column of <paramref name="shape"/> named <paramref name="name"/> (SchemaShape.TryFindColumn is internal).</summary>
    public static SchemaShape.Column? Find(SchemaShape shape, string name)
    {
        foreach (var column in shape)
            if (column.Name == name) return column;
        return null;
    }

    private static bool Accepts(DataViewType type, bool numeric) =>
        type is TextDataViewType || (numeric && type is NumberDataViewType n && NumberTypes.Contains(n.RawType));

    private static ArgumentOutOfRangeException Missing(string name, string role) =>
        new("inputSchema", $"input column '{name}' ({role}) not found");

    private static ArgumentOutOfRangeException Mismatch(string name, string role, bool numeric, string actual) =>
        new("inputSchema", $"Schema mismatch for input column '{name}' ({role}): expected {(numeric ? TextOrNumber : TextOnly)}, got {actual}");

    /// <summary>Reads every row into a record (and its caption when a caption column is named).</summary>
    /// <exception cref="PretrainingDataException">A row has no image path or study id, or a value that does not parse.</exception>
    public static (List<MammogramRecord> Records, List<string>? Captions) Read(IDataView input, MaMAPretrainingEstimator.Options options)
    {
        Check(input.Schema, options);
        var names = Columns(options).Select(c => c.Column).Distinct().ToList();
        using var cursor = input.GetRowCursor(names.Select(n => input.Schema[n]));
        var read = names.ToDictionary(n => n, n => TextGetter(cursor, input.Schema[n]));
        var m = options.Metadata;
        var records = new List<MammogramRecord>();
        var captions = options.CaptionColumnName is null ? null : new List<string>();
        long row = -1;
        while (cursor.MoveNext())
        {
            row++;
            string? Value(string? column) => column is null ? null : read[column]();
            string Required(string column, string what) => Value(column) ?? throw new PretrainingDataException(row, column, $"the {what} is empty");
            T? Parse<T>(string? column, TryParse<T> parse, string expected) where T : struct
            {
                if (Value(column) is not { } text) return null;
                return parse(text, out var value) ? value : throw new PretrainingDataException(row, column!, $"'{text}' is not {expected}");
            }

            string path = Required(options.ImagePathColumnName, "image path");
            string study = options.StudyIdColumnName is { } s ? Required(s, "study id") : $"row{row}";
            records.Add(new MammogramRecord
            {
                ImagePath = path,
                StudyId = study,
                PatientId = options.PatientIdColumnName is { } p ? Required(p, "patient id") : study,
                Laterality = Parse<Laterality>(m.Laterality, ManifestValues.TryParseLaterality, "L, R or B"),
                View = Value(m.View) is { } view ? ManifestValues.NormaliseView(view) : null,
                ImageType = Value(m.ImageType),
                Procedure = Value(m.Procedure),
                Reason = Parse<ExamReason>(m.Reason, ManifestValues.TryParseReason, "screening or diagnostic"),
                Age = Parse<int>(m.Age, ManifestValues.TryParseAge, "a whole number of years 0-150"),
                Race = Value(m.Race),
                Ethnicity = Value(m.Ethnicity),
                Density = Parse<int>(m.Density, ManifestValues.TryParseDensity, "1-4 or A-D"),
                BiRads = Parse<int>(m.BiRads, ManifestValues.TryParseBiRads, "0-6 or one of A N B P S M K"),
                MassShape = Value(m.MassShape),
                MassDensity = Value(m.MassDensity),
                CalcificationType = Value(m.CalcificationType),
                CalcificationDistribution = Value(m.CalcificationDistribution),
            });
            if (captions is not null) captions.Add(Required(options.CaptionColumnName!, "caption"));
        }
        return (records, captions);
    }

    private delegate bool TryParse<T>(string text, out T value);

    // Every accepted type read as trimmed text (null when empty or a missing number), so one parser serves all.
    private static Func<string?> TextGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        static string? Clean(string text) => text.Trim() is { Length: > 0 } t ? t : null;
        switch (column.Type)
        {
            case TextDataViewType:
            {
                var get = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                ReadOnlyMemory<char> value = default;
                return () => { get(ref value); return Clean(value.ToString()); };
            }
            case NumberDataViewType n when n.RawType == typeof(float):
            {
                var get = cursor.GetGetter<float>(column);
                float value = 0;
                return () => { get(ref value); return float.IsNaN(value) ? null : value.ToString(CultureInfo.InvariantCulture); };
            }
            case NumberDataViewType n when n.RawType == typeof(double):
            {
                var get = cursor.GetGetter<double>(column);
                double value = 0;
                return () => { get(ref value); return double.IsNaN(value) ? null : value.ToString(CultureInfo.InvariantCulture); };
            }
            case NumberDataViewType n when n.RawType == typeof(int): return Integer<int>(cursor, column);
            case NumberDataViewType n when n.RawType == typeof(long): return Integer<long>(cursor, column);
            case NumberDataViewType n when n.RawType == typeof(uint): return Integer<uint>(cursor, column);
            case NumberDataViewType n when n.RawType == typeof(ulong): return Integer<ulong>(cursor, column);
            default: throw new ArgumentOutOfRangeException(nameof(column), $"column '{column.Name}' has type {column.Type}, which the pretraining estimator cannot read");
        }
    }

    private static Func<string?> Integer<T>(DataViewRowCursor cursor, DataViewSchema.Column column) where T : struct, IFormattable
    {
        var get = cursor.GetGetter<T>(column);
        T value = default;
        return () => { get(ref value); return value.ToString(null, CultureInfo.InvariantCulture); };
    }
}
