using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training;

/// <summary>
/// The layout of one checkpoint file: a magic string and format version, the <see cref="TrainingState"/> as JSON,
/// the model's state dict (TorchSharp's own format, <c>Module.save</c>: parameters and buffers, permanently frozen
/// parameters left out), the AdamW state (TorchSharp's <c>save_state_dict</c>: per-group options, and per parameter
/// the step count and both moments), and an end marker; then (format 2) the SHA-256 of all of that and a trailer
/// marker, so a cut file and changed bytes anywhere (weights included, which parse fine) are found before loading.
/// </summary>
/// <remarks>
/// TorchSharp's format rather than safetensors because the optimiser state has no safetensors form in TorchSharp,
/// and one file keeps model and optimiser consistent under the atomic rename. Export weights for inference
/// separately (for example with TorchSharp.PyBridge's <c>save_safetensors</c>).
/// </remarks>
internal static class CheckpointFile
{
    private const string Magic = "MaMA.MLNet training checkpoint";
    private const string EndMarker = "end of checkpoint";
    private const int FormatVersion = 2;
    private const int UncheckedFormatVersion = 1; // before checksums: still read, without the check
    private static readonly byte[] TrailerMarker = "MaMA.SHA-256 end"u8.ToArray();
    private static readonly int TrailerLength = SHA256.HashSizeInBytes + TrailerMarker.Length;

    public static void Write(Stream stream, TrainingState state, nn.Module module, IList<string> skipParameters, OptimizerHelper optimizer)
    {
        using var hashing = new HashingWriteStream(stream);
        using (var writer = new BinaryWriter(hashing, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(JsonSerializer.Serialize(state));
            module.save(writer, skipParameters);
            optimizer.save_state_dict(writer);
            writer.Write(EndMarker);
            writer.Flush();
        }
        stream.Write(hashing.Digest());
        stream.Write(TrailerMarker);
    }

    /// <summary>
    /// Checks a format-2 file's length, trailer and SHA-256 (reading the whole file once); null when intact, else
    /// the problem. Format-1 files have no checksum and pass.
    /// </summary>
    public static string? Verify(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            using (var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                if (reader.ReadString() != Magic) return "this is not a MaMA.MLNet training checkpoint.";
                int version = reader.ReadInt32();
                if (version == UncheckedFormatVersion) return null;
                if (version != FormatVersion) return $"format version {version} is not supported (this build reads {FormatVersion}).";
            }
            long bodyLength = stream.Length - TrailerLength;
            if (bodyLength <= 0) return "the file is cut short (no checksum).";
            var trailer = new byte[TrailerLength];
            stream.Position = bodyLength;
            stream.ReadExactly(trailer);
            if (!trailer.AsSpan(SHA256.HashSizeInBytes).SequenceEqual(TrailerMarker)) return "the file is cut short (no checksum at its end).";
            stream.Position = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 20];
            for (long left = bodyLength; left > 0;)
            {
                int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n == 0) return "the file is cut short.";
                hash.AppendData(buffer, 0, n);
                left -= n;
            }
            return hash.GetHashAndReset().AsSpan().SequenceEqual(trailer.AsSpan(0, SHA256.HashSizeInBytes))
                ? null
                : "its SHA-256 does not match the one written with it: the file is damaged.";
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or UnauthorizedAccessException)
        {
            return $"it cannot be read ({e.Message}).";
        }
    }

    /// <summary>Passes writes through and hashes them.</summary>
    private sealed class HashingWriteStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public byte[] Digest() => _hash.GetHashAndReset();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Reads a checkpoint in order: state first, then the model, then (once it exists) the optimiser.</summary>
    internal sealed class Reader : IDisposable
    {
        private readonly FileStream _stream;
        private readonly BinaryReader _reader;

        public Reader(string path)
        {
            Path = path;
            if (!File.Exists(path)) throw new CheckpointFormatException(path, "the file does not exist.");
            if (Verify(path) is { } problem) throw new CheckpointFormatException(path, problem);
            _stream = File.OpenRead(path);
            _reader = new BinaryReader(_stream, System.Text.Encoding.UTF8);
            try
            {
                string magic = _reader.ReadString();
                if (magic != Magic) throw new CheckpointFormatException(path, "this is not a MaMA.MLNet training checkpoint.");
                int version = _reader.ReadInt32();
                if (version != FormatVersion && version != UncheckedFormatVersion)
                    throw new CheckpointFormatException(path, $"format version {version} is not supported (this build reads {FormatVersion}).");
                State = JsonSerializer.Deserialize<TrainingState>(_reader.ReadString())
                        ?? throw new CheckpointFormatException(path, "the training state is empty.");
            }
            catch (Exception e) when (e is EndOfStreamException or IOException or JsonException)
            {
                Dispose();
                throw new CheckpointFormatException(path, "the file is cut short or damaged.", e);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public string Path { get; }

        public TrainingState State { get; }

        /// <summary>Loads the model's state; every entry the module has (except <paramref name="skipParameters"/>) must be present.</summary>
        public void LoadModel(nn.Module module, IList<string> skipParameters)
        {
            var loaded = new Dictionary<string, bool>();
            Guard(() => module.load(_reader, strict: false, skip: skipParameters, loadedParameters: loaded), "the model weights");
            var unknown = loaded.Where(kv => !kv.Value).Select(kv => kv.Key).ToList();
            if (unknown.Count > 0)
                throw new CheckpointFormatException(Path, $"the model has no entry named {string.Join(", ", unknown.Take(5))}.");
            var missing = module.state_dict().Keys.Where(k => !skipParameters.Contains(k) && !loaded.ContainsKey(k)).ToList();
            if (missing.Count > 0)
                throw new CheckpointFormatException(Path, $"the checkpoint lacks {missing.Count} model entries, e.g. {string.Join(", ", missing.Take(5))}.");
        }

        public void LoadOptimizer(OptimizerHelper optimizer)
        {
            Guard(() => optimizer.load_state_dict(_reader), "the optimiser state");
            string end = Guard(() => _reader.ReadString(), "the end marker");
            if (end != EndMarker) throw new CheckpointFormatException(Path, "the end marker is missing: the file is damaged.");
        }

        private TResult Guard<TResult>(Func<TResult> read, string what)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or InvalidDataException)
            {
                throw new CheckpointFormatException(Path, $"reading {what} failed: {e.Message}", e);
            }
        }

        private void Guard(Action read, string what) => Guard(() => { read(); return 0; }, what);

        public void Dispose()
        {
            _reader.Dispose();
            _stream.Dispose();
        }
    }
}
