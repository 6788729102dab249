using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using Microsoft.ML;
using Onnx;

namespace MaMA.MLNet.Deployment;

/// <summary>ML.NET entry points for MaMA models exported to ONNX (by <c>mama export-onnx</c> or <see cref="MaMAModelOnnxExporter"/>).</summary>
public static class MaMAOnnxCatalog
{
    /// <summary>
    /// Runs an exported MaMA image encoder in ONNX Runtime through ML.NET's <c>ApplyOnnxModel</c>: reads the
    /// model-ready image column (Single vector [3, S, S], as <c>LoadMammograms</c> makes it, S the export size) and
    /// adds the L2-normalised embedding column (Single vector [E]). The file's <c>pixels</c>/<c>embedding</c>
    /// interface is renamed to the column names in memory, so no extra columns appear.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelPath">The exported image encoder (.onnx).</param>
    /// <param name="outputColumnName">The embedding column to add.</param>
    /// <param name="inputColumnName">The image column.</param>
    /// <param name="gpuDeviceId">A CUDA device for ONNX Runtime, or null for the CPU.</param>
    /// <exception cref="OnnxExportException">The file is not an ONNX model with a <c>pixels</c> input and an <c>embedding</c> output.</exception>
    public static IEstimator<ITransformer> ApplyMaMAImageEncoderOnnx(this TransformsCatalog catalog, string modelPath,
        string outputColumnName = "Embedding", string inputColumnName = "Image", int? gpuDeviceId = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        var model = OnnxModelReader.Read(modelPath);
        var names = model.Graph.Input.Select(i => i.Name).Concat(model.Graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        if (!names.Contains(MamaOnnxExporter.PixelsInput) || !names.Contains(MamaOnnxExporter.EmbeddingOutput))
            throw new OnnxExportException(
                $"'{modelPath}' is not a MaMA image encoder: it needs a '{MamaOnnxExporter.PixelsInput}' input and an '{MamaOnnxExporter.EmbeddingOutput}' output (it has {string.Join(", ", names)}).");
        var renamed = OnnxGraphComposer.RenameInterface(model, new Dictionary<string, string>
        {
            [MamaOnnxExporter.PixelsInput] = inputColumnName,
            [MamaOnnxExporter.EmbeddingOutput] = outputColumnName,
        });
        var stream = new MemoryStream(OnnxModelFile.ToBytes(renamed), writable: false);
        return catalog.ApplyOnnxModel(outputColumnName, inputColumnName, stream, gpuDeviceId);
    }
}
