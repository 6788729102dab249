namespace MaMA.MLNet.Modeling.Tokenization;

/// <summary>Tokenizer files (vocab.json, merges.txt, tokenizer.json) are missing, malformed or incomplete.</summary>
public sealed class TokenizerFileException : Exception
{
    /// <summary>Creates the exception naming the file and the problem.</summary>
    public TokenizerFileException(string path, string message, Exception? inner = null) : base($"{path}: {message}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file that was being read.</summary>
    public string FilePath { get; }
}
