using System.Text.Json;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Text;

namespace MaMA.MLNet.Tests.Components.Support;

/// <summary>
/// A tiny, randomly initialised MaMA model with a byte-level tokenizer (256 byte tokens, no merges), written as a
/// model directory. It keeps every part of MaMA but runs in milliseconds, so samples and tests need no download.
/// Its predictions mean nothing: it has never been trained.
/// </summary>
internal static class TinyMaMAModel
{
    /// <summary>The tiny preset with the byte-level vocabulary (256 bytes + end of text).</summary>
    public static MaMAConfig Config(int imageSize = 56) => MaMAConfig.Tiny with
    {
        Vision = MaMAConfig.Tiny.Vision with { ImageSize = imageSize },
        Text = MaMAConfig.Tiny.Text with { VocabSize = 257 },
    };

    /// <summary>Builds the model from <paramref name="seed"/> and saves it with its tokenizer into <paramref name="directory"/>.</summary>
    public static string Write(string directory, int seed = 7, int imageSize = 56)
    {
        string tokenizer = Directory.CreateTempSubdirectory("mama-bytes-tokenizer-").FullName;
        try
        {
            WriteByteTokenizer(tokenizer);
            TorchRuntime.Seed(seed);
            using var model = new MaMAModel(Config(imageSize));
            model.eval();
            MaMAModelDirectory.Save(model, directory, tokenizer);
            return directory;
        }
        finally
        {
            Directory.Delete(tokenizer, recursive: true);
        }
    }

    /// <summary>vocab.json (GPT-2's byte-to-unicode characters, id = byte value; end of text = 256) and an empty merges.txt.</summary>
    public static void WriteByteTokenizer(string directory)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            vocab[((char)(printable ? b : next++)).ToString()] = b;
        }
        vocab["<|endoftext|>"] = 256;
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllLines(Path.Combine(directory, "merges.txt"), ["#version: 0.2"]);
    }
}
