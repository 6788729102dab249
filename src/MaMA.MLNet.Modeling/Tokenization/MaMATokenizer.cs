using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace MaMA.MLNet.Modeling.Tokenization;

/// <summary>
/// The MaMA text tokenizer: GPT-2 byte-level BPE (Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> with
/// the GPT-2 pre-tokenisation regex) over a Hugging Face vocabulary, plus MaMA's special tokens
/// (<see cref="MaMASpecialTokens"/>). Special tokens are matched in the text before BPE, like Hugging Face
/// added tokens (no stripping of neighbouring spaces). Added tokens already in the vocabulary keep their ids;
/// the others get ids after the base vocabulary in <see cref="MaMASpecialTokens.Added"/> order, so
/// <see cref="VocabularySize"/> is the row count the text encoder's embedding must be resized to.
/// </summary>
public sealed partial class MaMATokenizer
{
    /// <summary>MaMA's caption length in tokens.</summary>
    public const int CaptionLength = 144;

    // GPT-2's pre-tokenisation pattern (openai/gpt-2 encoder.py, Hugging Face ByteLevel pre-tokenizer).
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Pattern();

    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int> _special;
    private readonly Dictionary<int, string> _specialById;
    private readonly Regex _specialSplit;

    private MaMATokenizer(BpeTokenizer bpe, Dictionary<string, int> special, int baseVocabularySize)
    {
        _bpe = bpe;
        _special = special;
        _specialById = special.ToDictionary(kv => kv.Value, kv => kv.Key);
        _specialSplit = new Regex(string.Join("|", special.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape)), RegexOptions.CultureInvariant);
        BaseVocabularySize = baseVocabularySize;
        VocabularySize = Math.Max(baseVocabularySize, special.Values.Max() + 1);
    }

    /// <summary>Size of the vocabulary as loaded (vocab.json or tokenizer.json, including its added tokens).</summary>
    public int BaseVocabularySize { get; }

    /// <summary>Size after adding MaMA's special tokens: the embedding rows the encoder needs.</summary>
    public int VocabularySize { get; }

    /// <summary>Id of <see cref="MaMASpecialTokens.Bos"/>.</summary>
    public int BosId => _special[MaMASpecialTokens.Bos];

    /// <summary>Id of <see cref="MaMASpecialTokens.Eos"/>.</summary>
    public int EosId => _special[MaMASpecialTokens.Eos];

    /// <summary>Id of <see cref="MaMASpecialTokens.Pad"/>.</summary>
    public int PadId => _special[MaMASpecialTokens.Pad];

    /// <summary>Id of <see cref="MaMASpecialTokens.Mask"/>.</summary>
    public int MaskId => _special[MaMASpecialTokens.Mask];

    /// <summary>Id of <see cref="MaMASpecialTokens.Sep"/>.</summary>
    public int SepId => _special[MaMASpecialTokens.Sep];

    /// <summary>Id of <see cref="MaMASpecialTokens.Unk"/>.</summary>
    public int UnkId => _special[MaMASpecialTokens.Unk];

    /// <summary>Id of <see cref="MaMASpecialTokens.Key"/>.</summary>
    public int KeyId => _special[MaMASpecialTokens.Key];

    /// <summary>
    /// Loads a Hugging Face tokenizer folder: <c>tokenizer.json</c> when present, else <c>vocab.json</c> and
    /// <c>merges.txt</c>.
    /// </summary>
    /// <exception cref="TokenizerFileException">The files are missing or malformed.</exception>
    public static MaMATokenizer FromDirectory(string directory)
    {
        string json = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(json)) return FromTokenizerJson(json);
        return FromVocabAndMerges(Path.Combine(directory, "vocab.json"), Path.Combine(directory, "merges.txt"));
    }

    /// <summary>Loads <c>vocab.json</c> (token -> id) and <c>merges.txt</c> (one "left right" pair a line, in priority order).</summary>
    /// <exception cref="TokenizerFileException">A file is missing or malformed.</exception>
    public static MaMATokenizer FromVocabAndMerges(string vocabJsonPath, string mergesPath)
    {
        Dictionary<string, int> vocab;
        try
        {
            using var stream = File.OpenRead(vocabJsonPath);
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
                    ?? throw new TokenizerFileException(vocabJsonPath, "the vocabulary is empty (JSON null).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new TokenizerFileException(vocabJsonPath, $"cannot read the vocabulary as a JSON object of token -> id: {e.Message}", e);
        }
        List<string> merges;
        try { merges = File.ReadLines(mergesPath).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerFileException(mergesPath, $"cannot read the merges: {e.Message}", e);
        }
        return Create(vocab, ParseMergeLines(merges, mergesPath), addedTokens: null, vocabJsonPath);
    }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> with a BPE model (vocab, merges) and its <c>added_tokens</c>.</summary>
    /// <exception cref="TokenizerFileException">The file is missing, malformed or not a BPE tokenizer.</exception>
    public static MaMATokenizer FromTokenizerJson(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream);
            var root = doc.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
                throw new TokenizerFileException(path, "no 'model' object.");
            if (model.TryGetProperty("type", out var type) && type.GetString() != "BPE")
                throw new TokenizerFileException(path, $"model type '{type.GetString()}' is not BPE.");
            if (!model.TryGetProperty("vocab", out var vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
                throw new TokenizerFileException(path, "no 'model.vocab' object.");
            var vocab = vocabElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
            var merges = new List<string>();
            if (model.TryGetProperty("merges", out var mergesElement))
                foreach (var m in mergesElement.EnumerateArray())
                    merges.Add(m.ValueKind == JsonValueKind.Array
                        ? string.Join(' ', m.EnumerateArray().Select(x => x.GetString()))
                        : m.GetString() ?? "");
            var added = new Dictionary<string, int>(StringComparer.Ordinal);
            if (root.TryGetProperty("added_tokens", out var addedElement) && addedElement.ValueKind == JsonValueKind.Array)
                foreach (var t in addedElement.EnumerateArray())
                    added[t.GetProperty("content").GetString() ?? ""] = t.GetProperty("id").GetInt32();
            return Create(vocab, ParseMergeLines(merges, path), added, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new TokenizerFileException(path, $"cannot read the tokenizer: {e.Message}", e);
        }
    }

    /// <summary>
    /// Builds the tokenizer from a byte-level vocabulary (token -> id), merges ("left right", priority order)
    /// and optional added tokens (content -> id, e.g. <c>&lt;|endoftext|&gt;</c> from tokenizer.json).
    /// </summary>
    /// <exception cref="TokenizerFileException">The vocabulary has no <c>&lt;|endoftext|&gt;</c> or holds negative or duplicate ids.</exception>
    public static MaMATokenizer Create(
        IReadOnlyDictionary<string, int> vocabulary, IEnumerable<(string Left, string Right)> merges,
        IReadOnlyDictionary<string, int>? addedTokens = null, string sourceName = "tokenizer")
    {
        var known = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        if (addedTokens is not null) foreach (var (k, v) in addedTokens) known[k] = v;
        if (known.Count == 0) throw new TokenizerFileException(sourceName, "the vocabulary is empty.");
        if (known.Values.Any(v => v < 0)) throw new TokenizerFileException(sourceName, "the vocabulary holds negative ids.");
        if (known.Values.Distinct().Count() != known.Count) throw new TokenizerFileException(sourceName, "two tokens share one id.");
        if (!known.ContainsKey(MaMASpecialTokens.Eos))
            throw new TokenizerFileException(sourceName, $"the vocabulary has no '{MaMASpecialTokens.Eos}', so it is not a GPT-2-style vocabulary.");
        int baseSize = known.Values.Max() + 1;

        var special = new Dictionary<string, int>(StringComparer.Ordinal) { [MaMASpecialTokens.Eos] = known[MaMASpecialTokens.Eos] };
        if (addedTokens is not null) foreach (var (k, v) in addedTokens) special[k] = v;
        int next = baseSize;
        foreach (string token in MaMASpecialTokens.Added)
            special[token] = known.TryGetValue(token, out int id) ? id : next++;

        var options = new BpeOptions(vocabulary)
        {
            Merges = merges.Select(m => m.Left + " " + m.Right).ToList(),
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(Gpt2Pattern(), null),
        };
        BpeTokenizer bpe;
        try { bpe = BpeTokenizer.Create(options); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new TokenizerFileException(sourceName, $"the BPE model could not be built: {e.Message}", e);
        }
        return new MaMATokenizer(bpe, special, baseSize);
    }

    /// <summary>Encodes text to ids; special-token strings in the text become their ids.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        int start = 0;
        foreach (Match m in _specialSplit.Matches(text))
        {
            if (m.Index > start) ids.AddRange(_bpe.EncodeToIds(text[start..m.Index]));
            ids.Add(_special[m.Value]);
            start = m.Index + m.Length;
        }
        if (start < text.Length) ids.AddRange(_bpe.EncodeToIds(text[start..]));
        return ids;
    }

    /// <summary>Decodes ids back to text, special tokens written out.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        var run = new List<int>();
        void Flush()
        {
            if (run.Count == 0) return;
            text.Append(_bpe.Decode(run));
            run.Clear();
        }
        foreach (int id in ids)
        {
            if (id < 0 || id >= VocabularySize) throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} is outside the vocabulary [0, {VocabularySize}).");
            if (_specialById.TryGetValue(id, out var token)) { Flush(); text.Append(token); }
            else run.Add(id);
        }
        Flush();
        return text.ToString();
    }

    /// <summary>
    /// The caption as the reference feeds it to the tokenizer: every "." and ";" replaced by the sep token,
    /// bos prepended and eos appended.
    /// </summary>
    public static string ToCaptionText(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        return MaMASpecialTokens.Bos + caption.Replace(".", MaMASpecialTokens.Sep).Replace(";", MaMASpecialTokens.Sep) + MaMASpecialTokens.Eos;
    }

    /// <summary>
    /// Prepares captions for the text encoder (<see cref="ToCaptionText"/>, then encoding), truncated to
    /// <paramref name="length"/> tokens (a long caption loses its tail, eos included, as with Hugging Face
    /// <c>truncation=True</c>) and right-padded with the pad token.
    /// </summary>
    public TokenizedCaptions EncodeCaptions(IReadOnlyList<string> captions, int length = CaptionLength)
    {
        ArgumentNullException.ThrowIfNull(captions);
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), $"The caption length must be positive, got {length}.");
        var ids = new long[captions.Count * length];
        var mask = new long[captions.Count * length];
        for (int row = 0; row < captions.Count; row++)
        {
            var tokens = Encode(ToCaptionText(captions[row]));
            int n = Math.Min(tokens.Count, length);
            for (int t = 0; t < length; t++)
            {
                ids[row * length + t] = t < n ? tokens[t] : PadId;
                mask[row * length + t] = t < n ? 1 : 0;
            }
        }
        return new TokenizedCaptions(captions.Count, length, ids, mask);
    }

    private static IEnumerable<(string, string)> ParseMergeLines(IEnumerable<string> lines, string path)
    {
        var result = new List<(string, string)>();
        int lineNumber = 0;
        foreach (string line in lines)
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith("#version", StringComparison.Ordinal)) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new TokenizerFileException(path, $"merge {lineNumber} ('{line}') is not two tokens separated by one space.");
            result.Add((line[..space], line[(space + 1)..]));
        }
        return result;
    }
}
