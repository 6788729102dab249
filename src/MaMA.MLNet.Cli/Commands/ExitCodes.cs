namespace MaMA.MLNet.Cli.Commands;

/// <summary>Process exit codes shared by every command, so scripts can tell failures apart.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;
    /// <summary>Something unexpected failed (a bug or an environment problem).</summary>
    public const int InternalError = 1;
    /// <summary>
    /// The command line was wrong: an unknown flag, a bad value, or a value this build or machine cannot honour
    /// (e.g. <c>--device cuda</c> where CUDA is not available: the fix is on the command line).
    /// </summary>
    public const int Usage = 2;
    /// <summary>An input file is missing, unreadable or malformed, or an output cannot be written.</summary>
    public const int BadInput = 3;
    /// <summary>A check the command ran did not pass (e.g. ONNX parity).</summary>
    public const int CheckFailed = 4;
    /// <summary>The user cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;

    // The running invocation's error writer (CliApp sets it from InvocationConfiguration.Error); async-local so
    // commands run in parallel by tests each write to their own.
    private static readonly AsyncLocal<TextWriter?> CurrentError = new();

    /// <summary>Where messages for the user go: the running invocation's error writer, else standard error.</summary>
    public static TextWriter Error => CurrentError.Value ?? Console.Error;

    /// <summary>Writes <paramref name="message"/> to <see cref="Error"/> and returns <paramref name="code"/>, for `return Fail(...)` in actions.</summary>
    public static int Fail(string message, int code)
    {
        Error.WriteLine(message);
        return code;
    }

    /// <summary>Sends <see cref="Error"/> to <paramref name="error"/> until the result is disposed.</summary>
    internal static IDisposable WriteErrorsTo(TextWriter error)
    {
        var saved = CurrentError.Value;
        CurrentError.Value = error;
        return new Restore(() => CurrentError.Value = saved);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
