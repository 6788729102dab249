namespace MaMA.MLNet.Components;

/// <summary>
/// A model-ready image column does not match the model it feeds: its images are another size than the one the
/// model was trained at, or normalised otherwise. The message names the column, both sizes and how to load images for the model.
/// </summary>
public sealed class ModelInputMismatchException : ArgumentOutOfRangeException
{
    /// <summary>Creates the exception for <paramref name="column"/> holding <paramref name="columnSize"/> px images where the model needs <paramref name="modelSize"/> px.</summary>
    public ModelInputMismatchException(string column, int columnSize, int modelSize)
        : base(column, $"column '{column}' holds {columnSize} x {columnSize} images but the model was trained at {modelSize} x {modelSize}; "
            + $"load the images for this model with ml.Transforms.LoadMammograms(\"{column}\", \"Path\", LoadMammogramsOptions.ForModel(modelDirectory)) "
            + $"or set Preprocessing.ImageSize = {modelSize}")
    {
        ColumnSize = columnSize;
        ModelSize = modelSize;
    }

    /// <summary>Creates the exception for another mismatch than the size (e.g. the normalisation), with its message.</summary>
    public ModelInputMismatchException(string column, string message) : base(column, message)
    {
    }

    /// <summary>The side of the column's images (0 when the mismatch is not the size).</summary>
    public int ColumnSize { get; }

    /// <summary>The side the model was trained at (0 when the mismatch is not the size).</summary>
    public int ModelSize { get; }
}
