using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using Microsoft.ML;
using Microsoft.ML.Data;
using Onnx;

namespace MaMA.MLNet.Deployment;

/// <summary>
/// One ONNX file for a whole classifier: a MaMA image encoder followed by a head trained in ML.NET on its
/// embeddings. The head is converted with ML.NET's <c>ConvertToOnnx</c> (its graph may use <c>ai.onnx.ml</c>
/// operators such as <c>LinearClassifier</c>) and wired to the encoder with <see cref="OnnxGraphComposer"/>:
/// <c>pixels</c> -> encoder -> <c>embedding</c> -> head -> the head's outputs (e.g. <c>Score.output</c>,
/// <c>PredictedLabel.output</c>), plus the embedding itself.
/// </summary>
public static class OnnxHeadComposer
{
    /// <summary>
    /// Converts a trained ML.NET head (scoring a Single vector column <paramref name="featureColumnName"/> of
    /// <paramref name="featureSize"/> values, and nothing else) to ONNX. The input is declared from that column
    /// alone, so label or pass-through columns of the training data never become graph inputs.
    /// </summary>
    /// <exception cref="OnnxExportException">ML.NET could not convert the head (a transformer without ONNX support, or another input column needed).</exception>
    public static ModelProto ConvertHead(MLContext mlContext, ITransformer head, string featureColumnName, int featureSize)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentException.ThrowIfNullOrWhiteSpace(featureColumnName);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureSize, 1);
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[0].ColumnName = featureColumnName;
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureSize);
        var view = mlContext.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), schema);
        using var stream = new MemoryStream();
        try
        {
            mlContext.Model.ConvertToOnnx(head, view, stream);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException)
        {
            throw new OnnxExportException($"ML.NET could not convert the head on column '{featureColumnName}' to ONNX: {e.Message}", e);
        }
        stream.Position = 0;
        return OnnxModelReader.Parse(stream, "the converted ML.NET head");
    }

    /// <summary>
    /// Composes <paramref name="encoder"/> (a MaMA image encoder: <c>pixels</c> -> <c>embedding</c>) with
    /// <paramref name="head"/> (see <see cref="ConvertHead"/>) into one model. Its outputs are the encoder's
    /// <c>embedding</c> and every <c>*.output</c> of the head except the head's copy of its input column.
    /// </summary>
    /// <exception cref="OnnxExportException">The encoder has no embedding output, the head does not take <paramref name="featureColumnName"/>, or the graphs cannot be joined.</exception>
    public static ModelProto Compose(ModelProto encoder, ModelProto head, string featureColumnName)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentException.ThrowIfNullOrWhiteSpace(featureColumnName);
        // ML.NET names each output column "<column>.output"; the feature column's is only a copy of the input,
        // and outputs without that suffix (e.g. "mlnet.Score.unusedOutput") are its internal leftovers.
        var outputs = new List<string> { MamaOnnxExporter.EmbeddingOutput };
        outputs.AddRange(head.Graph.Output.Select(o => o.Name).Where(n => n.EndsWith(".output", StringComparison.Ordinal) && n != featureColumnName + ".output"));
        return OnnxGraphComposer.Compose(encoder, head, new Dictionary<string, string> { [featureColumnName] = MamaOnnxExporter.EmbeddingOutput }, outputs);
    }

    /// <summary><see cref="ConvertHead"/> then <see cref="Compose(ModelProto, ModelProto, string)"/>, reading the embedding size from the encoder.</summary>
    public static ModelProto Compose(MLContext mlContext, ModelProto encoder, ITransformer head, string featureColumnName)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var embedding = encoder.Graph?.Output.FirstOrDefault(o => o.Name == MamaOnnxExporter.EmbeddingOutput)
            ?? throw new OnnxExportException($"The encoder has no '{MamaOnnxExporter.EmbeddingOutput}' output.");
        var dims = embedding.Type?.TensorType?.Shape?.Dim;
        if (dims is not { Count: 2 } || dims[1].DimValue <= 0)
            throw new OnnxExportException($"The encoder's '{MamaOnnxExporter.EmbeddingOutput}' output is not [batch, E] with a fixed E.");
        return Compose(encoder, ConvertHead(mlContext, head, featureColumnName, checked((int)dims[1].DimValue)), featureColumnName);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
