using System.Reflection;
using MaMA.MLNet.DataViews;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Components;

/// <summary>
/// The estimator of a model-backed MaMA transformer. These transformers learn nothing from the data (the model is
/// already trained), so <see cref="Fit"/> loads the model, checks the input schema and returns the transformer.
/// Create it through the catalog (<c>mlContext.Transforms.MaMAImageEmbedding(...)</c> and friends).
/// </summary>
/// <typeparam name="TTransformer">The transformer it makes.</typeparam>
public sealed class MaMAEstimator<TTransformer> : IEstimator<TTransformer> where TTransformer : ITransformer
{
    private readonly Func<TTransformer> _create;
    private readonly IReadOnlyList<string> _inputColumns;
    private readonly Func<IReadOnlyList<BatchOutputColumn>> _outputColumns;

    internal MaMAEstimator(Func<TTransformer> create, IReadOnlyList<string> inputColumns, Func<IReadOnlyList<BatchOutputColumn>> outputColumns)
    {
        _create = create;
        _inputColumns = inputColumns;
        _outputColumns = outputColumns;
    }

    /// <summary>Loads the model and returns the transformer, after checking the input columns.</summary>
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = _create();
        try
        {
            transformer.GetOutputSchema(input.Schema);
        }
        catch
        {
            (transformer as IDisposable)?.Dispose();
            throw;
        }
        return transformer;
    }

    /// <summary>The input shape plus the added columns (read from the model's config, without loading weights).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (string name in _inputColumns)
            if (!inputSchema.Any(c => c.Name == name))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"input column '{name}' not found");
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (var column in _outputColumns()) columns[column.Name] = ShapeOf(column);
        return new SchemaShape(columns.Values);
    }

    private static readonly ConstructorInfo? ColumnConstructor = typeof(SchemaShape.Column)
        .GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        .FirstOrDefault(c => c.GetParameters().Select(p => p.ParameterType).Take(4)
            .SequenceEqual([typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool)]));

    // SchemaShape.Column's constructor is internal to ML.NET (see Imaging/SchemaShapeColumns.cs); key columns need isKey.
    private static SchemaShape.Column ShapeOf(BatchOutputColumn column)
    {
        if (ColumnConstructor is null)
            throw new InvalidOperationException("This ML.NET version has no SchemaShape.Column(name, kind, itemType, isKey, ...) constructor.");
        var (kind, item) = column.Type is VectorDataViewType v
            ? (v.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector, v.ItemType)
            : (SchemaShape.Column.VectorKind.Scalar, column.Type);
        bool isKey = item is KeyDataViewType;
        object?[] arguments = new object?[ColumnConstructor.GetParameters().Length];
        arguments[0] = column.Name;
        arguments[1] = kind;
        arguments[2] = isKey ? NumberDataViewType.UInt32 : item;
        arguments[3] = isKey;
        return (SchemaShape.Column)ColumnConstructor.Invoke(arguments);
    }
}
