namespace MaMA.MLNet.Cli.Commands;

/// <summary>Process exit codes shared by every command, so scripts can tell failures apart.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;
    /// <summary>Something unexpected failed (a bug or an environment problem).</summary>
    public const int InternalError = 1;
    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;
    /// <summary>An input file is missing, unreadable or malformed.</summary>
    public const int BadInput = 3;
    /// <summary>A check the command ran did not pass (e.g. ONNX parity).</summary>
    public const int CheckFailed = 4;
    /// <summary>The user cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;

    /// <summary>Writes <paramref name="message"/> to stderr and returns <paramref name="code"/>, for `return Fail(...)` in actions.</summary>
    public static int Fail(string message, int code)
    {
        Console.Error.WriteLine(message);
        return code;
    }
}
