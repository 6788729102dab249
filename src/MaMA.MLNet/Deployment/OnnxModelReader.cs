using Google.Protobuf;
using MaMA.MLNet.Onnx;
using Onnx;

namespace MaMA.MLNet.Deployment;

/// <summary>Reads an ONNX model file into the protobuf messages the exporter and composer work on.</summary>
public static class OnnxModelReader
{
    /// <summary>Parses <paramref name="path"/> (weights inline; external-data files are not followed).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="OnnxExportException">The file is not an ONNX model.</exception>
    public static ModelProto Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    /// <summary>Parses an ONNX model from <paramref name="stream"/>; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="OnnxExportException">The bytes are not an ONNX model.</exception>
    public static ModelProto Parse(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxExportException($"'{sourceName}' is not an ONNX model: {e.Message}", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new OnnxExportException($"'{sourceName}' is not an ONNX model: it has no graph.");
        return model;
    }
}
