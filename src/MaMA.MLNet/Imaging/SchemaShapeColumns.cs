using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Imaging;

/// <summary>
/// Creates <see cref="SchemaShape.Column"/> values. ML.NET keeps that constructor (and <c>SchemaShape.Create</c>)
/// internal to its own assemblies, yet <see cref="IEstimator{T}.GetOutputSchema"/> must return new columns, so
/// third-party estimators call the constructor through reflection. Resolved once; a missing constructor (a
/// future ML.NET) fails with a clear message at first use, which a unit test catches.
/// </summary>
internal static class SchemaShapeColumns
{
    private static readonly ConstructorInfo? Constructor = typeof(SchemaShape.Column)
        .GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        .FirstOrDefault(c => c.GetParameters().Select(p => p.ParameterType).Take(4)
            .SequenceEqual([typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool)]));

    public static SchemaShape.Column Create(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType)
    {
        if (Constructor is null)
            throw new InvalidOperationException("This ML.NET version has no SchemaShape.Column(name, kind, itemType, isKey, ...) constructor.");
        object?[] arguments = new object?[Constructor.GetParameters().Length];
        arguments[0] = name;
        arguments[1] = kind;
        arguments[2] = itemType;
        arguments[3] = false;
        return (SchemaShape.Column)Constructor.Invoke(arguments);
    }
}
