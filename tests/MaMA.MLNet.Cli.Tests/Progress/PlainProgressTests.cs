using System.Text.RegularExpressions;
using MaMA.MLNet.Cli.Progress;

namespace MaMA.MLNet.Cli.Tests.Progress;

[TestClass]
public sealed partial class PlainProgressTests
{
    [GeneratedRegex("""^progress stage=(?<stage>\S+) done=(?<done>\d+)( total=(?<total>\d+) percent=(?<percent>[0-9.]+))? elapsed_s=(?<elapsed>[0-9.]+)( eta_s=(?<eta>[0-9.]+))?( state=(?<state>\w+))?( detail="(?<detail>[^"]*)")?$""")]
    private static partial Regex LineFormat();

    private sealed class FakeClock
    {
        public TimeSpan Now { get; set; }
    }

    [TestMethod]
    public void RunningLinesAreRateLimitedAndTheStageEndsWithADoneLine()
    {
        var clock = new FakeClock();
        var log = new StringWriter();
        var lines = new StringWriter();
        var progress = new PlainProgress(log, lines, TimeSpan.FromSeconds(5), () => clock.Now);
        using (var stage = progress.Stage("embed images", 100))
        {
            // 100 reports 0.1 s apart: 10 s in all, so one line at 5 s and one at 10 s.
            for (int i = 1; i <= 100; i++)
            {
                clock.Now = TimeSpan.FromSeconds(0.1 * i);
                stage.Report(i, $"batch {i}");
            }
        }
        var written = lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(3, written);
        var matches = written.Select(l => LineFormat().Match(l.TrimEnd('\r'))).ToArray();
        foreach (var (m, l) in matches.Zip(written)) Assert.IsTrue(m.Success, l);
        Assert.AreEqual("embed-images", matches[0].Groups["stage"].Value);
        Assert.AreEqual("50", matches[0].Groups["done"].Value);
        Assert.AreEqual("50.0", matches[0].Groups["percent"].Value);
        // 50 done in 5 s, 50 to go: 5 s left.
        Assert.AreEqual("5.0", matches[0].Groups["eta"].Value);
        Assert.AreEqual("batch 50", matches[0].Groups["detail"].Value);
        Assert.AreEqual("100", matches[1].Groups["done"].Value);
        Assert.AreEqual("done", matches[2].Groups["state"].Value);
        Assert.AreEqual("100", matches[2].Groups["done"].Value);
        Assert.AreEqual("", log.ToString());
    }

    [TestMethod]
    public void AStageOfUnknownLengthHasNoTotalAndLogLinesGoToTheirOwnWriter()
    {
        var log = new StringWriter();
        var lines = new StringWriter();
        var progress = new PlainProgress(log, lines, TimeSpan.FromSeconds(5), () => TimeSpan.Zero);
        progress.Log("Wrote 4 images.");
        progress.Stage("fine-tune", 0).Dispose();
        Assert.AreEqual("Wrote 4 images." + Environment.NewLine, log.ToString());
        var m = LineFormat().Match(lines.ToString().Trim());
        Assert.IsTrue(m.Success, lines.ToString());
        Assert.IsFalse(m.Groups["total"].Success);
        Assert.AreEqual("done", m.Groups["state"].Value);
    }

    [TestMethod]
    public void ReportsFromManyThreadsNeverMoveTheCountBack()
    {
        var clock = new FakeClock();
        var lines = new StringWriter();
        var progress = new PlainProgress(TextWriter.Null, lines, TimeSpan.Zero, () => clock.Now);
        using (var stage = progress.Stage("synth", 1000))
            Parallel.For(1, 1001, i => stage.Report(i));
        var done = lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => long.Parse(LineFormat().Match(l.TrimEnd('\r')).Groups["done"].Value)).ToArray();
        for (int i = 1; i < done.Length; i++) Assert.IsGreaterThanOrEqualTo(done[i - 1], done[i]);
        Assert.AreEqual(1000L, done[^1]);
    }

    [TestMethod]
    [DataRow(null, false, false, "xterm", null, true)]
    [DataRow(null, true, false, "xterm", null, false)]
    [DataRow(null, false, true, "xterm", null, false)]
    [DataRow(null, false, false, "dumb", null, false)]
    [DataRow(null, false, false, "xterm", "true", false)]
    [DataRow("plain", false, false, "xterm", null, false)]
    [DataRow("live", true, true, null, "true", true)]
    public void LiveBarsOnlyOnATerminalUnlessForced(string? setting, bool outRedirected, bool errRedirected, string? term, string? ci, bool live) =>
        Assert.AreEqual(live ? ProgressMode.Live : ProgressMode.Plain, CliProgress.Detect(setting, outRedirected, errRedirected, term, ci));
}
