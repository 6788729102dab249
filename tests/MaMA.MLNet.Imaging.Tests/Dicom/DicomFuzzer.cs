using System.Buffers.Binary;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary>One mutated input: which seed file, the kind of mutation (one of <see cref="DicomFuzzer.MutationKinds"/>), exactly what was done, and the bytes.</summary>
public sealed record FuzzCase(int Index, string SeedName, string Kind, string Mutation, byte[] Bytes)
{
    public override string ToString() => $"#{Index} {SeedName}: {Mutation}";
}

/// <summary>How the reader handled a fuzz case.</summary>
public enum FuzzVerdict
{
    /// <summary>Header and every frame read.</summary>
    Read,
    /// <summary>Refused with a <see cref="DicomException"/> (the documented behaviour for bad input).</summary>
    DocumentedException,
    /// <summary>Any other exception escaped: a bug.</summary>
    Crash,
    /// <summary>Did not finish within the timeout: a bug.</summary>
    Hang,
}

/// <summary>The outcome of one case; <see cref="Exception"/> is set for exceptions of either kind.</summary>
public sealed record FuzzResult(FuzzCase Case, FuzzVerdict Verdict, Exception? Exception, TimeSpan Elapsed);

/// <summary>
/// Deterministic mutation fuzzer for the DICOM reader: bit flips, truncations, element lengths set huge or
/// undefined, byte runs overwritten, chunks duplicated, and deeply nested undefined-length sequences inserted.
/// The same seed files, seed number and case count always give the same cases, so a failure reproduces from its
/// index. The CI test runs a few hundred cases; a benchmark can run thousands through the same API.
/// </summary>
public sealed class DicomFuzzer
{
    private readonly IReadOnlyList<(string Name, byte[] Bytes)> _seeds;
    private readonly int _seed;

    /// <summary>Creates a fuzzer over the given seed files.</summary>
    public DicomFuzzer(IReadOnlyList<(string Name, byte[] Bytes)> seeds, int seed)
    {
        if (seeds.Count == 0) throw new ArgumentException("at least one seed file is needed", nameof(seeds));
        _seeds = seeds;
        _seed = seed;
    }

    /// <summary>Loads seed files from disk.</summary>
    public static DicomFuzzer FromFiles(IEnumerable<string> paths, int seed) =>
        new([.. paths.Select(p => (Path.GetFileName(p), File.ReadAllBytes(p)))], seed);

    /// <summary>The mutation kinds, in the order <see cref="Case"/> cycles through them.</summary>
    public static IReadOnlyList<string> MutationKinds { get; } =
        ["bit-flips", "truncate", "huge-length", "undefined-length", "overwrite-run", "duplicate-chunk", "nested-undefined-sequences"];

    /// <summary>Case <paramref name="index"/>: depends only on the seeds, the seed number and the index.</summary>
    public FuzzCase Case(int index)
    {
        var random = new Random(HashCode.Combine(_seed, index));
        var (name, original) = _seeds[index % _seeds.Count];
        string kind = MutationKinds[index / _seeds.Count % MutationKinds.Count];
        var (bytes, description) = kind switch
        {
            "bit-flips" => FlipBits(original, random),
            "truncate" => Truncate(original, random),
            "huge-length" => SetLength(original, random, undefined: false),
            "undefined-length" => SetLength(original, random, undefined: true),
            "overwrite-run" => OverwriteRun(original, random),
            "duplicate-chunk" => DuplicateChunk(original, random),
            _ => NestSequences(original, random),
        };
        return new FuzzCase(index, name, kind, description, bytes);
    }

    /// <summary>Cases 0 .. count-1.</summary>
    public IEnumerable<FuzzCase> Cases(int count) => Enumerable.Range(0, count).Select(Case);

    /// <summary>
    /// Reads a case the way an application would (parse, typed header, presentation, every frame) on a worker
    /// thread, and classifies the outcome. A hang leaves the worker running; the caller reports it.
    /// </summary>
    public static FuzzResult Run(FuzzCase fuzzCase, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var task = Task.Factory.StartNew(() => ReadEverything(fuzzCase), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!task.Wait(timeout, CancellationToken.None) && !task.IsCompleted)
            return new FuzzResult(fuzzCase, FuzzVerdict.Hang, null, clock.Elapsed);
        var exception = task.Result;
        var verdict = exception switch
        {
            null => FuzzVerdict.Read,
            DicomException => FuzzVerdict.DocumentedException,
            _ => FuzzVerdict.Crash,
        };
        return new FuzzResult(fuzzCase, verdict, exception, clock.Elapsed);
    }

    private static Exception? ReadEverything(FuzzCase fuzzCase)
    {
        try
        {
            var file = DicomFile.Parse(fuzzCase.Bytes, fuzzCase.ToString());
            if (!file.Dataset.Contains(DicomTags.PixelData)) return null;
            MammographyHeaderReader.Read(file);
            PixelPresentationReader.Read(file.Dataset);
            var description = DicomPixelDescription.FromDataset(file.Dataset);
            var frame = new int[description.ValuesPerFrame];
            for (int f = 0; f < description.Frames; f++) DicomPixelDecoder.DecodeFrame(file, description, f, frame);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static (byte[], string) FlipBits(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        int flips = random.Next(1, 9);
        var positions = new List<int>();
        for (int i = 0; i < flips; i++)
        {
            // Half the flips land in the first 1 KB, where the header elements are.
            int position = random.Next(2) == 0 ? random.Next(Math.Min(1024, bytes.Length)) : random.Next(bytes.Length);
            bytes[position] ^= (byte)(1 << random.Next(8));
            positions.Add(position);
        }
        return (bytes, $"flip bits at {string.Join(',', positions)}");
    }

    private static (byte[], string) Truncate(byte[] original, Random random)
    {
        int length = random.Next(original.Length);
        return (original[..length], $"truncate to {length} bytes");
    }

    /// <summary>Explicit VR element headers: an even offset followed by a tag and two upper-case letters that name a VR.</summary>
    private static List<(int Offset, bool LongLength)> ElementHeaders(byte[] bytes)
    {
        var headers = new List<(int, bool)>();
        for (int i = 0; i + 12 <= bytes.Length; i += 2)
        {
            if (DicomVR.TryParse(bytes[i + 4], bytes[i + 5]) is { } vr) headers.Add((i, vr.HasLongLength));
        }
        return headers;
    }

    private static (byte[], string) SetLength(byte[] original, Random random, bool undefined)
    {
        var bytes = (byte[])original.Clone();
        var headers = ElementHeaders(bytes);
        if (headers.Count == 0) return FlipBits(original, random);
        var (offset, longLength) = headers[random.Next(headers.Count)];
        uint[] huge = [0xFFFF_FFF0, 0x7FFF_FFFF, 0x8000_0000, (uint)bytes.Length, (uint)(bytes.Length - offset + 1)];
        uint value = undefined ? 0xFFFF_FFFF : huge[random.Next(huge.Length)];
        if (longLength) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset + 8), value);
        else BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset + 6), (ushort)Math.Min(value, 0xFFFF));
        return (bytes, $"length of element at {offset} set to 0x{value:X8}");
    }

    private static (byte[], string) OverwriteRun(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        int start = random.Next(bytes.Length);
        int length = Math.Min(bytes.Length - start, random.Next(1, 64));
        byte fill = random.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => (byte)random.Next(256) };
        bytes.AsSpan(start, length).Fill(fill);
        return (bytes, $"{length} bytes at {start} set to 0x{fill:X2}");
    }

    private static (byte[], string) DuplicateChunk(byte[] original, Random random)
    {
        int start = random.Next(original.Length);
        int length = Math.Min(original.Length - start, random.Next(1, 256));
        int target = random.Next(original.Length);
        var bytes = new byte[original.Length + length];
        original.AsSpan(0, target).CopyTo(bytes);
        original.AsSpan(start, length).CopyTo(bytes.AsSpan(target));
        original.AsSpan(target).CopyTo(bytes.AsSpan(target + length));
        return (bytes, $"{length} bytes from {start} inserted at {target}");
    }

    /// <summary>Inserts private undefined-length sequences nested 1-2000 deep, closed or not, at an element boundary.</summary>
    private static (byte[], string) NestSequences(byte[] original, Random random)
    {
        var headers = ElementHeaders(original);
        int at = headers.Count > 0 ? headers[random.Next(headers.Count)].Offset : 0;
        int depth = random.Next(4) switch { 0 => random.Next(1, 8), 1 => random.Next(8, 40), _ => random.Next(40, 2000) };
        bool closed = random.Next(2) == 0;
        var nest = new MemoryStream();
        Span<byte> sequence = [0x09, 0x00, 0x10, 0x10, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        Span<byte> item = [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF];
        Span<byte> itemEnd = [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0];
        Span<byte> sequenceEnd = [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];
        for (int i = 0; i < depth; i++)
        {
            nest.Write(sequence);
            nest.Write(item);
        }
        if (closed)
        {
            for (int i = 0; i < depth; i++)
            {
                nest.Write(itemEnd);
                nest.Write(sequenceEnd);
            }
        }
        var inserted = nest.ToArray();
        var bytes = new byte[original.Length + inserted.Length];
        original.AsSpan(0, at).CopyTo(bytes);
        inserted.CopyTo(bytes, at);
        original.AsSpan(at).CopyTo(bytes.AsSpan(at + inserted.Length));
        return (bytes, $"{depth} nested undefined-length sequences ({(closed ? "closed" : "unclosed")}) inserted at {at}");
    }
}
