using Google.Protobuf;
using Onnx;

namespace MaMA.MLNet.Onnx.Graph;

/// <summary>
/// Writes a model to disk. A protobuf message cannot exceed 2 GiB, so large models (BioMedLM's 2.7B weights)
/// keep their initializers in a side file next to the model (ONNX "external data"); ONNX Runtime reads it
/// when it loads the model from its path.
/// </summary>
public static class OnnxModelFile
{
    /// <summary>Initializer bytes above which <see cref="Save"/> moves weights out of the protobuf by default (1.5 GiB).</summary>
    public const long ExternalDataAutoThreshold = 3L << 29;

    /// <summary>External data offsets are aligned to this many bytes so runtimes can memory-map them.</summary>
    public const int ExternalDataAlignment = 4096;

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="path"/>. With <paramref name="externalData"/> true
    /// every initializer of at least <paramref name="minExternalBytes"/> bytes goes into
    /// <c>{file name}.data</c> beside it; null decides by size (external above <see cref="ExternalDataAutoThreshold"/>).
    /// The model object is not changed. Returns the data file's path, or null when everything is inline.
    /// </summary>
    public static string? Save(ModelProto model, string path, bool? externalData = null, long minExternalBytes = 1024)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        long initializerBytes = model.Graph?.Initializer.Sum(t => (long)t.RawData.Length) ?? 0;
        bool external = externalData ?? initializerBytes > ExternalDataAutoThreshold;
        string fullPath = Path.GetFullPath(path);
        if (!external)
        {
            if (initializerBytes > int.MaxValue - (64 << 20))
                throw new OnnxExportException($"Model for '{path}' holds {initializerBytes} bytes of weights, too many for one protobuf; save it with external data.");
            using var stream = File.Create(fullPath);
            model.WriteTo(stream);
            return null;
        }

        var copy = model.Clone();
        string dataName = Path.GetFileName(fullPath) + ".data";
        string dataPath = Path.Combine(Path.GetDirectoryName(fullPath)!, dataName);
        using (var data = File.Create(dataPath))
        {
            foreach (var tensor in copy.Graph.Initializer)
            {
                if (tensor.RawData.Length < minExternalBytes) continue;
                long offset = (data.Position + ExternalDataAlignment - 1) / ExternalDataAlignment * ExternalDataAlignment;
                data.SetLength(offset);
                data.Position = offset;
                tensor.RawData.WriteTo(data);
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataName });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                tensor.DataLocation = TensorProto.Types.DataLocation.External;
                tensor.RawData = ByteString.Empty;
            }
        }
        using (var stream = File.Create(fullPath)) copy.WriteTo(stream);
        return dataPath;
    }

    /// <summary>The model as one protobuf byte array (weights inline), for example for an in-memory ONNX Runtime session.</summary>
    public static byte[] ToBytes(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.ToByteArray();
    }
}
