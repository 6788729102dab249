using System.Text.Json;
using System.Text.Json.Serialization;

namespace MaMA.MLNet.Persistence;

/// <summary>The JSON settings of every file this library writes: camelCase, enums as names, indented.</summary>
internal static class MaMAJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };
}
