namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// Checks, before any work, that a command can write where it was told to: an unwritable <c>--out</c> found after an
/// hour of training loses the hour. Each check writes and deletes a probe file; failures are one line naming the flag.
/// </summary>
internal static class OutputChecks
{
    /// <summary>
    /// Null when a file can be written at <paramref name="path"/> (its folder is created when missing); otherwise writes
    /// why to standard error and returns <see cref="ExitCodes.BadInput"/>.
    /// </summary>
    public static int? File(string path, string flag)
    {
        if (Directory.Exists(path)) return ExitCodes.Fail($"{flag} {path}: a directory; a file path is needed here.", ExitCodes.BadInput);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (Probe(folder, flag, path) is int failure) return failure;
        // The file's folder is made now, so the write after the work cannot fail for want of it.
        Directory.CreateDirectory(folder);
        return null;
    }

    /// <summary>Null when <paramref name="path"/> is (or can be created as) a writable folder; otherwise the message and <see cref="ExitCodes.BadInput"/>.</summary>
    public static int? Folder(string path, string flag)
    {
        if (System.IO.File.Exists(path)) return ExitCodes.Fail($"{flag} {path}: a file; a folder is needed here.", ExitCodes.BadInput);
        return Probe(Path.GetFullPath(path), flag, path);
    }

    // Probes the folder, or (when it does not exist yet) the nearest folder above it that does, so a check creates
    // nothing: a command refused later for another reason leaves no trace.
    private static int? Probe(string folder, string flag, string given)
    {
        string existing = folder;
        while (!Directory.Exists(existing))
        {
            if (System.IO.File.Exists(existing))
                return ExitCodes.Fail($"{flag} {given}: {existing} is a file, so no folder can be made there.", ExitCodes.BadInput);
            existing = Path.GetDirectoryName(existing) ?? "/";
        }
        string probe = Path.Combine(existing, $".mama-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return ExitCodes.Fail($"{flag} {given}: cannot write there ({e.Message.ReplaceLineEndings(" ")}).", ExitCodes.BadInput);
        }
    }
}
