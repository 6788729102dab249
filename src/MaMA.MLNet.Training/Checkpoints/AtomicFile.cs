namespace MaMA.MLNet.Training;

/// <summary>Writes a file so that readers see either the old file or the complete new one, never a partial file.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes through <paramref name="write"/> into a temporary file in the same folder (same file system, so the
    /// rename is atomic), flushes it to disk, then renames it over <paramref name="path"/>. On failure the temporary
    /// file is removed and <paramref name="path"/> is untouched.
    /// </summary>
    /// <remarks>
    /// The folder entry itself is not fsynced (.NET has no portable call for it), so after a power loss the rename may
    /// be lost and the previous file remain; the previous file is always whole.
    /// </remarks>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes UTF-8 text atomically.</summary>
    public static void WriteText(string path, string text) =>
        Write(path, s => { var bytes = System.Text.Encoding.UTF8.GetBytes(text); s.Write(bytes, 0, bytes.Length); });

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { /* best effort: a stray temporary file is harmless */ }
        catch (UnauthorizedAccessException) { }
    }
}
