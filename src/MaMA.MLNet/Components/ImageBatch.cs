using System.Runtime.InteropServices;
using MaMA.MLNet.DataViews;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MaMA.MLNet.Components;

/// <summary>Reads a column of model-ready images ([3, S, S] Single vectors) into a batch tensor, and tensor rows back into vectors.</summary>
internal static class ImageBatch
{
    /// <summary>The side S of a model-ready image column, or an error naming the column and the problem.</summary>
    /// <param name="schema">The input schema.</param>
    /// <param name="column">The image column.</param>
    /// <param name="sideMultiple">What sides must be multiples of (<see cref="Modeling.MaMA.MaMAConfig.ImageSideMultiple"/>: a ViT's patch size, a ResNet's stride 32).</param>
    public static int SideOf(DataViewSchema schema, string column, int sideMultiple)
    {
        int index = schema.GetColumnOrNull(column)?.Index
            ?? throw new ArgumentOutOfRangeException(nameof(column), $"input column '{column}' not found");
        if (schema[index].Type is not VectorDataViewType { ItemType: NumberDataViewType n } v || n.RawType != typeof(float) || !v.IsKnownSize)
            throw new ArgumentOutOfRangeException(nameof(column), $"column '{column}' must be a known-size Single vector [3, S, S] (model-ready images), not {schema[index].Type}");
        int side = (int)Math.Round(Math.Sqrt(v.Size / 3.0));
        if (3 * side * side != v.Size || (v.Dimensions.Length == 3 && (v.Dimensions[0] != 3 || v.Dimensions[1] != side || v.Dimensions[2] != side)))
            throw new ArgumentOutOfRangeException(nameof(column), $"column '{column}' must hold [3, S, S] images; its shape is [{string.Join(", ", v.Dimensions)}]");
        if (side % sideMultiple != 0)
            throw new ArgumentOutOfRangeException(nameof(column), $"column '{column}' holds {side} x {side} images; the side must be a multiple of {sideMultiple} (the image encoder's patch size, or a ResNet's stride)");
        return side;
    }

    /// <summary>
    /// The side of a model-ready image column that feeds <paramref name="config"/>'s image encoder: it must be the
    /// size the model was trained at. A model runs at other sizes without a word but scores every image alike, so a
    /// mismatch is refused with both sizes and the fix.
    /// </summary>
    /// <exception cref="ModelInputMismatchException">The column's images are not the model's input size.</exception>
    public static int ModelSideOf(DataViewSchema schema, string column, Modeling.MaMA.MaMAConfig config)
    {
        int side = SideOf(schema, column, config.ImageSideMultiple);
        if (side != config.ImageSize)
            throw new ModelInputMismatchException(column, side, config.ImageSize);
        // Columns written by LoadMammograms say how they were normalised; MaMA models train on mean 0.5, std 0.5.
        var annotations = schema[column].Annotations;
        if (annotations.Schema.GetColumnOrNull(Imaging.MammogramColumnLayout.NormalizationAnnotationName) is { } normalization)
        {
            VBuffer<float> values = default;
            annotations.GetValue(normalization.Name, ref values);
            var dense = values.DenseValues().ToArray();
            var trained = Imaging.Preprocessing.PreprocessingOptions.Default;
            if (dense.Length == 2 && (dense[0] != trained.Mean || dense[1] != trained.Std))
                throw new ModelInputMismatchException(column,
                    $"column '{column}' was normalised with mean {dense[0]} and std {dense[1]} but the model was trained on mean {trained.Mean} and std {trained.Std}; "
                    + "load the images with LoadMammogramsOptions.ForModel(modelDirectory)");
        }
        return side;
    }

    /// <summary>
    /// Rows 0..count-1 of image input <paramref name="column"/> as a [count, 3, S, S] tensor on the model's device.
    /// A packed column becomes a CPU tensor over the cursor's own buffer, without a copy: it must not outlive the
    /// call (mappers run inside a dispose scope), and the model only reads it.
    /// </summary>
    public static Tensor ToTensor(BatchInputs inputs, int column, int count, int side, MaMAModelHandle model)
    {
        int per = 3 * side * side;
        if (inputs.TryGetPacked(column, out var rows, out int rowSize) && rowSize == per
            && MemoryMarshal.TryGetArray(rows, out var segment) && segment.Offset == 0)
        {
            var pixels = frombuffer(segment.Array!, ScalarType.Float32, count: (long)count * per).view(count, 3, side, side);
            return model.Device.type == TorchSharp.DeviceType.CPU ? pixels : pixels.to(model.Device);
        }
        return model.ToDevice(Pack(inputs[column], count, per), [count, 3, side, side]);
    }

    /// <summary>Checks that <paramref name="column"/> is a Single vector of <paramref name="width"/> values (a model's image embedding).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or of another type or size.</exception>
    public static void CheckEmbeddingColumn(DataViewSchema schema, string column, int width)
    {
        var found = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(column), $"embedding column '{column}' not found");
        if (found.Type is not VectorDataViewType { ItemType: NumberDataViewType n } v || n.RawType != typeof(float) || v.Size != width)
            throw new ArgumentOutOfRangeException(nameof(column),
                $"embedding column '{column}' must be a Single vector of the model's embedding size {width} (as MaMAImageEmbedding writes it), not {found.Type}");
    }

    /// <summary>Rows 0..count-1 of vector input <paramref name="column"/> (each <paramref name="width"/> values) as a [count, width] tensor on the model's device.</summary>
    public static Tensor VectorsToTensor(BatchInputs inputs, int column, int count, int width, MaMAModelHandle model)
    {
        float[] values = inputs.TryGetPacked(column, out var rows, out int rowSize) && rowSize == width
            ? rows.Slice(0, count * width).ToArray()
            : Pack(inputs[column], count, width);
        return model.ToDevice(values, [count, width]);
    }

    /// <summary>Rows 0..count-1 of image input <paramref name="column"/> as one row-major buffer (the packed one when there is one).</summary>
    public static ReadOnlyMemory<float> ToPacked(BatchInputs inputs, int column, int count, int side)
    {
        int per = 3 * side * side;
        return inputs.TryGetPacked(column, out var rows, out int rowSize) && rowSize == per ? rows : Pack(inputs[column], count, per);
    }

    private static float[] Pack(object[] column, int count, int per)
    {
        var pixels = new float[count * per];
        for (int r = 0; r < count; r++)
        {
            var buffer = (VBuffer<float>)column[r];
            buffer.CopyTo(pixels, r * per);
        }
        return pixels;
    }

    /// <summary>Splits row-major [count, width] values into one dense VBuffer per row.</summary>
    public static void ToRows(ReadOnlySpan<float> flat, object?[] into, int count)
    {
        int width = flat.Length / count;
        for (int r = 0; r < count; r++) into[r] = new VBuffer<float>(width, flat.Slice(r * width, width).ToArray());
    }

    /// <summary>Splits a [count, D] tensor into one dense VBuffer per row.</summary>
    public static void ToRows(Tensor values, object?[] into, int count)
    {
        var flat = values.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        ToRows(flat, into, count);
    }

    /// <summary>The output column of a Single vector of <paramref name="size"/>.</summary>
    public static BatchOutputColumn VectorColumn(string name, int size) => new(name, new VectorDataViewType(NumberDataViewType.Single, size));
}
