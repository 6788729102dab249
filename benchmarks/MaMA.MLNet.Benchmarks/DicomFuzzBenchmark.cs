using System.Diagnostics;
using MaMA.MLNet.Imaging.Tests.Dicom;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// The long fuzz run of the DICOM reader: N mutated cases (default 10,000) of every conformance file, each with a
/// timeout; counts verdicts. Any crash or hang is a failure (exit 1). Uses the test suite's DicomFuzzer.
/// </summary>
public sealed class DicomFuzzBenchmark : IBenchmark
{
    public string Name => "dicom-fuzz";
    public string Description => "N mutated conformance files (default 10000) through the reader: no crash, no hang (args: [cases] [seed])";

    public int Run(string[] args)
    {
        int cases = args.Length > 0 ? int.Parse(args[0]) : 10_000;
        int seed = args.Length > 1 ? int.Parse(args[1]) : 20261129;
        string root = FindConformanceFiles();
        var fuzzer = DicomFuzzer.FromFiles(Directory.GetFiles(root, "*.dcm").Order(StringComparer.Ordinal), seed);
        var verdicts = new Dictionary<FuzzVerdict, int>();
        var failures = new List<string>();
        var slowest = TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        foreach (var fuzzCase in fuzzer.Cases(cases))
        {
            var result = DicomFuzzer.Run(fuzzCase, TimeSpan.FromSeconds(30));
            verdicts[result.Verdict] = verdicts.GetValueOrDefault(result.Verdict) + 1;
            if (result.Elapsed > slowest) slowest = result.Elapsed;
            if (result.Verdict is FuzzVerdict.Crash or FuzzVerdict.Hang)
                failures.Add($"{fuzzCase}: {result.Verdict} {result.Exception?.GetType().Name}: {result.Exception?.Message}");
        }
        Console.WriteLine($"{cases} cases from {Directory.GetFiles(root, "*.dcm").Length} files, seed {seed}, {watch.Elapsed.TotalSeconds:F0} s, slowest case {slowest.TotalMilliseconds:F0} ms");
        foreach (var (verdict, count) in verdicts.OrderBy(v => v.Key)) Console.WriteLine($"  {verdict,-22} {count}");
        foreach (var failure in failures.Take(20)) Console.WriteLine("  FAIL " + failure);
        return failures.Count == 0 ? 0 : 1;
    }

    private static string FindConformanceFiles()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "dicom-conformance", "files"), Path.Combine(dir.FullName, "..", "shared", "dicom-conformance", "files") })
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        throw new DirectoryNotFoundException("shared/dicom-conformance/files not found beside the repository");
    }
}
