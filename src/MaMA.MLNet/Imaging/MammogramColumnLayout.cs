using MaMA.MLNet.Imaging.Preprocessing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Imaging;

/// <summary>
/// The schema the loader produces: the input columns unchanged, then image, error and header columns (a new
/// column hides an input column of the same name, as in every ML.NET transform). Also checks the input column.
/// </summary>
internal sealed class MammogramColumnLayout
{
    public MammogramColumnLayout(DataViewSchema input, LoadMammogramsOptions options)
    {
        Input = input;
        InputColumnIndex = FindInput(input, options, out bool isPath);
        InputIsPath = isPath;
        int size = options.Preprocessing.ImageSize;
        ImageType = new VectorDataViewType(NumberDataViewType.Single, 3, size, size);

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(options.OutputColumnName, ImageType, NormalizationAnnotation(options.Preprocessing));
        builder.AddColumn(options.ErrorColumnName, TextDataViewType.Instance);
        if (options.AddHeaderColumns)
        {
            foreach (MammogramHeaderColumns.TextColumn c in MammogramHeaderColumns.Text)
                builder.AddColumn(options.HeaderColumnPrefix + c.Name, TextDataViewType.Instance);
            foreach (MammogramHeaderColumns.NumberColumn c in MammogramHeaderColumns.Numbers)
                builder.AddColumn(options.HeaderColumnPrefix + c.Name, NumberDataViewType.Single);
        }
        Output = builder.ToSchema();
    }

    /// <summary>
    /// Annotation of the image column: the normalisation (mean, standard deviation) its pixels went through, so a
    /// model stage can refuse images normalised otherwise than its training images.
    /// </summary>
    public const string NormalizationAnnotationName = "MaMA.Normalization";

    private static DataViewSchema.Annotations NormalizationAnnotation(PreprocessingOptions preprocessing)
    {
        var values = new VBuffer<float>(2, [preprocessing.Mean, preprocessing.Std]);
        var annotations = new DataViewSchema.Annotations.Builder();
        annotations.Add(NormalizationAnnotationName, new VectorDataViewType(NumberDataViewType.Single, 2),
            (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) => values.CopyTo(ref v)));
        return annotations.ToAnnotations();
    }

    public DataViewSchema Input { get; }
    public DataViewSchema Output { get; }
    public VectorDataViewType ImageType { get; }
    public int InputColumnIndex { get; }
    public bool InputIsPath { get; }

    /// <summary>Index of the image column in <see cref="Output"/>; error and header columns follow it.</summary>
    public int ImageIndex => Input.Count;
    public int ErrorIndex => Input.Count + 1;
    public int FirstTextHeaderIndex => Input.Count + 2;
    public int FirstNumberHeaderIndex => FirstTextHeaderIndex + MammogramHeaderColumns.Text.Length;

    /// <summary>True for the columns this loader adds.</summary>
    public bool IsAdded(int index) => index >= Input.Count;

    private static int FindInput(DataViewSchema input, LoadMammogramsOptions options, out bool isPath)
    {
        DataViewSchema.Column column = input.GetColumnOrNull(options.InputColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{options.InputColumnName}' not found.");
        isPath = column.Type is TextDataViewType;
        bool isBytes = column.Type is VectorDataViewType v && v.ItemType == NumberDataViewType.Byte;
        if (!isPath && !isBytes)
            throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{options.InputColumnName}' is {column.Type}; expected text (a file path) or a vector of Byte (file contents).");
        return column.Index;
    }

    /// <summary>The same check and output on schema shapes, for <see cref="IEstimator{T}.GetOutputSchema"/>.</summary>
    public static SchemaShape OutputShape(SchemaShape input, LoadMammogramsOptions options)
    {
        SchemaShape.Column column = input.LastOrDefault(c => c.Name == options.InputColumnName);
        if (column.Name is null)
            throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{options.InputColumnName}' not found.");
        bool isPath = column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType is TextDataViewType;
        bool isBytes = column.Kind != SchemaShape.Column.VectorKind.Scalar && column.ItemType == NumberDataViewType.Byte;
        if (!isPath && !isBytes)
            throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{options.InputColumnName}' is {column.Kind} of {column.ItemType}; expected text (a file path) or a vector of Byte (file contents).");

        var added = new List<SchemaShape.Column>
        {
            SchemaShapeColumns.Create(options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single),
            SchemaShapeColumns.Create(options.ErrorColumnName, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance),
        };
        if (options.AddHeaderColumns)
        {
            foreach (MammogramHeaderColumns.TextColumn c in MammogramHeaderColumns.Text)
                added.Add(SchemaShapeColumns.Create(options.HeaderColumnPrefix + c.Name, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance));
            foreach (MammogramHeaderColumns.NumberColumn c in MammogramHeaderColumns.Numbers)
                added.Add(SchemaShapeColumns.Create(options.HeaderColumnPrefix + c.Name, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single));
        }
        var addedNames = added.Select(c => c.Name).ToHashSet();
        return new SchemaShape(input.Where(c => !addedNames.Contains(c.Name)).Concat(added));
    }
}
