using System.Globalization;

namespace MaMA.MLNet.Benchmarks;

/// <summary>"--name value" and "--flag" arguments.</summary>
internal sealed class Arguments(Dictionary<string, string?> values)
{
    public static Arguments Parse(string[] args)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
            bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            values[args[i]] = hasValue ? args[++i] : null;
        }
        return new Arguments(values);
    }

    public bool Flag(string name) => values.ContainsKey(name);
    public string String(string name, string fallback) => values.TryGetValue(name, out var v) && v is not null ? v : fallback;
    public int Int(string name, int fallback) => values.TryGetValue(name, out var v) && v is not null ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public long Long(string name, long fallback) => values.TryGetValue(name, out var v) && v is not null ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public double Double(string name, double fallback) => values.TryGetValue(name, out var v) && v is not null ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
