using System.Buffers.Binary;
using System.Text.Json;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>
/// Checks a safetensors file's header before any tensor is allocated: header length within the file, every
/// entry's dtype known, its byte range inside the data section and equal to shape x element size. The
/// loader then never allocates a tensor sized by an unchecked header value.
/// </summary>
internal static class SafetensorsPreflight
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>Validates the header of the file at <paramref name="path"/>.</summary>
    /// <exception cref="Gpt2WeightImportException">The header is malformed or inconsistent with the file.</exception>
    public static void Check(string path)
    {
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            throw new Gpt2WeightImportException(path, "not a safetensors file: shorter than its 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, fileLength - 8))
            throw new Gpt2WeightImportException(path, $"safetensors header length {headerLength} exceeds the file ({fileLength} bytes) or the {MaxHeaderBytes}-byte limit.");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataLength = fileLength - 8 - (long)headerLength;

        JsonDocument document;
        try { document = JsonDocument.Parse(header); }
        catch (JsonException e) { throw new Gpt2WeightImportException(path, "safetensors header is not valid JSON.", e); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new Gpt2WeightImportException(path, "safetensors header is not a JSON object.");
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                CheckEntry(path, entry, dataLength);
            }
        }
    }

    private static void CheckEntry(string path, JsonProperty entry, long dataLength)
    {
        string Where(string problem) => $"safetensors entry '{entry.Name}': {problem}";
        try
        {
            var e = entry.Value;
            string dtype = e.GetProperty("dtype").GetString() ?? "";
            if (!ElementSizes.TryGetValue(dtype, out int elementSize))
                throw new Gpt2WeightImportException(path, Where($"unsupported dtype '{dtype}'."));
            long count = 1;
            foreach (var dim in e.GetProperty("shape").EnumerateArray())
            {
                long d = dim.GetInt64();
                if (d < 0) throw new Gpt2WeightImportException(path, Where($"negative dimension {d}."));
                count = checked(count * d);
            }
            var offsets = e.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                throw new Gpt2WeightImportException(path, Where($"data offsets [{string.Join(", ", offsets)}] fall outside the {dataLength}-byte data section."));
            if (offsets[1] - offsets[0] != checked(count * elementSize))
                throw new Gpt2WeightImportException(path, Where($"holds {offsets[1] - offsets[0]} bytes but its shape and dtype need {count * elementSize}."));
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new Gpt2WeightImportException(path, Where("missing or malformed dtype, shape or data_offsets."), ex);
        }
    }
}
