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
        VBuffer<T> shared = default; // reused: the source may write into its arrays, we copy out of them
        return () =>
        {
            VBuffer<T> copy = default;
            getter(ref shared);
            shared.CopyTo(ref copy);
            return copy;
        };
    }

    private static ValueGetter<VBuffer<T>> MakeVectorGetter<T>(Func<object?> current) =>
        (ref VBuffer<T> value) => ((VBuffer<T>)current()!).CopyTo(ref value);

    /// <summary>Reads the current row of a packed column into <c>buffer[offset .. offset + size)</c>.</summary>
    public delegate void PackedReader(float[] buffer, int offset);

    /// <summary>True for columns cached packed: known-size Single vectors (model-ready images, embeddings).</summary>
    public static bool IsPackable(DataViewType type, out int size)
    {
        bool packable = type is VectorDataViewType { IsKnownSize: true, ItemType: NumberDataViewType n } && n.RawType == typeof(float);
        size = packable ? ((VectorDataViewType)type).Size : 0;
        return packable;
    }

    /// <summary>
    /// A reader that writes each row of a known-size Single vector column straight into a packed buffer, densifying
    /// sparse rows. One copy per row and no allocation after the first: the source's buffer is reused.
    /// </summary>
    /// <exception cref="InvalidOperationException">A row's vector length differs from the column type's.</exception>
    public static PackedReader MakePackedReader(DataViewRow row, DataViewSchema.Column column, int size)
    {
        var getter = row.GetGetter<VBuffer<float>>(column);
        VBuffer<float> shared = default;
        string name = column.Name;
        return (buffer, offset) =>
        {
            getter(ref shared);
            if (shared.Length != size)
                throw new InvalidOperationException($"column '{name}' has a row of {shared.Length} values at position {row.Position}; its type says {size}");
            var target = buffer.AsSpan(offset, size);
            var values = shared.GetValues();
            if (shared.IsDense)
            {
                values.CopyTo(target);
                return;
            }
            target.Clear();
            var indices = shared.GetIndices();
            for (int i = 0; i < values.Length; i++) target[indices[i]] = values[i];
        };
    }

    /// <summary>The getter a cursor hands out for a packed column: copies the current row into the consumer's VBuffer.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not VBuffer&lt;float&gt;.</exception>
    public static ValueGetter<T> MakePackedGetter<T>(DataViewSchema.Column column, float[] buffer, int size, Func<int> index)
    {
        if (typeof(T) != typeof(VBuffer<float>))
            throw new InvalidOperationException($"column '{column.Name}' is {column.Type}; it cannot be read as {typeof(T).Name}");
        ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
        {
            var editor = VBufferEditor.Create(ref value, size);
            buffer.AsSpan(index() * size, size).CopyTo(editor.Values);
            value = editor.Commit();
        };
        return (ValueGetter<T>)(Delegate)getter;
    }
}
