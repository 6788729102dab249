using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.DataViews;

/// <summary>
/// Reads a column value out of a row into a boxed copy that stays valid after the row moves on, and writes a
/// boxed copy back through a getter's <c>ref</c> argument. ML.NET getters may reuse buffers (a text loader's line
/// buffer, a VBuffer's arrays), so anything held across rows must be copied, and anything handed out must be
/// copied too, or the consumer's next getter call could write into our cache.
/// </summary>
internal static class ColumnValueCopier
{
    /// <summary>A delegate that reads the current value of <paramref name="column"/> as a private boxed copy.</summary>
    public static Func<object> MakeReader(DataViewRow row, DataViewSchema.Column column)
    {
        Type raw = column.Type.RawType;
        MethodInfo method = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(ColumnValueCopier).GetMethod(nameof(MakeVectorReader), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(raw.GetGenericArguments()[0])
            : typeof(ColumnValueCopier).GetMethod(nameof(MakeScalarReader), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(raw);
        return (Func<object>)method.Invoke(null, [row, column])!;
    }

    /// <summary>Turns a boxed value into the getter a cursor hands out, copying on every call.</summary>
    public static ValueGetter<T> MakeGetter<T>(Func<object?> current)
    {
        if (typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(VBuffer<>))
        {
            var method = typeof(ColumnValueCopier).GetMethod(nameof(MakeVectorGetter), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(typeof(T).GetGenericArguments()[0]);
            return (ValueGetter<T>)method.Invoke(null, [current])!;
        }
        return (ref T value) => value = (T)current()!;
    }

    private static Func<object> MakeScalarReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        if (typeof(T) == typeof(ReadOnlyMemory<char>))
        {
            var textGetter = (ValueGetter<ReadOnlyMemory<char>>)(object)getter;
            return () =>
            {
                ReadOnlyMemory<char> text = default;
                textGetter(ref text);
                return text.ToString().AsMemory();
            };
        }
        return () =>
        {
            T value = default!;
            getter(ref value);
            return value!;
        };
    }

    private static Func<object> MakeVectorReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        return () =>
        {
            VBuffer<T> shared = default, copy = default;
            getter(ref shared);
            shared.CopyTo(ref copy);
            return copy;
        };
    }

    private static ValueGetter<VBuffer<T>> MakeVectorGetter<T>(Func<object?> current) =>
        (ref VBuffer<T> value) => ((VBuffer<T>)current()!).CopyTo(ref value);
}
