using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary>Mutated conformance files never crash or hang the reader: they read, or throw a <see cref="DicomException"/>.</summary>
[TestClass]
public sealed class FuzzTests
{
    private const int CaseCount = 308;
    // Hang detection only (a case takes milliseconds): generous, so a busy machine never turns a slow case into a "hang".
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The smaller conformance files (every transfer syntax is among them), so 300 cases stay fast.</summary>
    private static DicomFuzzer CreateFuzzer() =>
        DicomFuzzer.FromFiles(ConformanceSet.Entries.Select(ConformanceSet.FilePath).Where(p => new FileInfo(p).Length < 200_000).Order(StringComparer.Ordinal), seed: 20241129);

    [TestMethod]
    public void MutatedFilesReadOrThrowDocumentedExceptions()
    {
        var fuzzer = CreateFuzzer();
        var bad = new List<string>();
        var verdicts = new Dictionary<FuzzVerdict, int>();
        foreach (var fuzzCase in fuzzer.Cases(CaseCount))
        {
            var result = DicomFuzzer.Run(fuzzCase, Timeout);
            verdicts[result.Verdict] = verdicts.GetValueOrDefault(result.Verdict) + 1;
            if (result.Verdict is FuzzVerdict.Crash or FuzzVerdict.Hang)
                bad.Add($"{fuzzCase}: {result.Verdict} {result.Exception?.GetType().Name} {result.Exception?.Message}");
            else if (result.Exception is DicomException e && !e.Message.StartsWith(fuzzCase.ToString(), StringComparison.Ordinal))
                bad.Add($"{fuzzCase}: message does not name the source: {e.Message}");
        }
        Assert.IsEmpty(bad, string.Join(Environment.NewLine, bad));
        // The mutations must actually bite: some cases are refused.
        Assert.IsGreaterThan(CaseCount / 4, verdicts.GetValueOrDefault(FuzzVerdict.DocumentedException));
    }

    [TestMethod]
    public void CasesAreDeterministic()
    {
        var first = CreateFuzzer().Case(123);
        var second = CreateFuzzer().Case(123);
        Assert.AreEqual(first.Mutation, second.Mutation);
        CollectionAssert.AreEqual(first.Bytes, second.Bytes);
    }

    [TestMethod]
    public void EveryMutationKindIsUsed()
    {
        var kinds = CreateFuzzer().Cases(CaseCount).Select(c => c.Kind).ToHashSet();
        CollectionAssert.AreEquivalent(DicomFuzzer.MutationKinds.ToList(), kinds.ToList());
    }
}
