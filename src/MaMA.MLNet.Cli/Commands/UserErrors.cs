using System.Text.Json;
using MaMA.MLNet.Components;
using MaMA.MLNet.Embeddings;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.ReferenceExport;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Reporting;
using MaMA.MLNet.Training;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// The tool's last line of defence: an exception that escapes a command becomes one line on standard error and an
/// exit code, never a stack trace for something the user can fix. Bad or unwritable files, models, weights,
/// configs and zips are <see cref="ExitCodes.BadInput"/>; cancellation is <see cref="ExitCodes.Cancelled"/>; only
/// what is none of these (a bug) is <see cref="ExitCodes.InternalError"/>, with its stack trace for the report.
/// </summary>
public static class UserErrors
{
    /// <summary>The exit code for <paramref name="exception"/> and the line to print.</summary>
    public static (int Code, string Message) Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var e = Unwrap(exception);
        return e switch
        {
            OperationCanceledException => (ExitCodes.Cancelled, "Cancelled."),
            MammogramReadException or ManifestFormatException or ReferenceExportException or MaMAModelFormatException or TokenizerFileException
                or WeightLoadException or Gpt2WeightImportException or CheckpointFormatException or BatchPreparationException
                or PretrainingDataException or ReportDataException or ModelInputMismatchException
                or EmbeddingTableException or OnnxExportException
                or InvalidDataException or JsonException or FileNotFoundException or DirectoryNotFoundException
                or UnauthorizedAccessException or PathTooLongException => (ExitCodes.BadInput, OneLine(e)),
            // Any other I/O failure (disk full, a path that is a directory, /proc) is about the files given.
            IOException => (ExitCodes.BadInput, OneLine(e)),
            _ => (ExitCodes.InternalError, $"Internal error (please report): {e}"),
        };
    }

    /// <summary>
    /// Writes the line for <paramref name="exception"/> to <paramref name="error"/> (default: <see cref="ExitCodes.Error"/>)
    /// and returns its exit code. Every command's failures end here (through <see cref="CliApp"/>), so no command keeps
    /// its own copy of this mapping.
    /// </summary>
    public static int Report(Exception exception, TextWriter? error = null)
    {
        var (code, message) = Classify(exception);
        (error ?? ExitCodes.Error).WriteLine(message);
        return code;
    }

    // Parallel loops and tasks wrap the real failure; a single inner exception is the one to report.
    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            if (e is AggregateException { InnerExceptions.Count: >= 1 } aggregate) e = aggregate.InnerExceptions[0];
            else if (e is System.Reflection.TargetInvocationException { InnerException: { } inner }) e = inner;
            else return e;
        }
    }

    // The message and, when it adds something, the inner one, on one line.
    private static string OneLine(Exception e)
    {
        string message = e.Message;
        if (e.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal)) message += " " + inner.Message;
        return message.ReplaceLineEndings(" ");
    }
}
