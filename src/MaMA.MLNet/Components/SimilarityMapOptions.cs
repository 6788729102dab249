namespace MaMA.MLNet.Components;

/// <summary>Options of <c>mlContext.Transforms.MaMASimilarityMap</c> (text-grounded localisation).</summary>
public sealed class SimilarityMapOptions : MaMAModelOptions
{
    /// <summary>The model-ready image column (Single vector [3, S, S]).</summary>
    public string ImageColumnName { get; set; } = "Image";

    /// <summary>The text column: one sentence, or several (the map is their mean).</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>The map column to add: Single vector [S, S] of patch-sentence cosine similarities, upsampled bilinearly.</summary>
    public string OutputColumnName { get; set; } = "SimilarityMap";

    internal SimilarityMapOptions Clone() => (SimilarityMapOptions)MemberwiseClone();
}
