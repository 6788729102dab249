using System.Text.Json;
using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests.Commands;

[TestClass]
public sealed class CompareFeaturesCommandTests
{
    [TestMethod]
    public void PixelsAndAModelGoThroughTheSameProbeAndReportBalancedAccuracy()
    {
        string dir = Directory.CreateTempSubdirectory("mama-compare-").FullName;
        try
        {
            var synth = CliFixture.Capture(new SynthCommand(), "synth", "--out", dir, "--studies", "16", "--size", "64x80", "--seed", "3");
            Assert.AreEqual(ExitCodes.Success, synth.Code, synth.Output);
            var (code, output) = CliFixture.Capture(new CompareFeaturesCommand(), "compare-features", "--manifest", Path.Combine(dir, "manifest.csv"),
                "--task", "cancer", "--model", CliFixture.Model, "--folds", "2", "--json");
            Assert.AreEqual(ExitCodes.Success, code, output);
            using var json = JsonDocument.Parse(output);
            var rows = json.RootElement.GetProperty("features").EnumerateArray().ToList();
            Assert.HasCount(2, rows);
            Assert.AreEqual("raw pixels 32x32", rows[0].GetProperty("name").GetString());
            Assert.AreEqual(1024, rows[0].GetProperty("width").GetInt32());
            Assert.AreEqual(64, rows[1].GetProperty("width").GetInt32(), "the tiny ViT's pooled feature");
            foreach (var row in rows)
            {
                double accuracy = row.GetProperty("balancedAccuracy").GetDouble();
                Assert.IsTrue(accuracy is >= 0 and <= 1, $"{row.GetProperty("name")}: {accuracy}");
            }
            Assert.AreEqual(64, json.RootElement.GetProperty("images").GetInt32());

            // Normal vs abnormal from the finding columns: every image has a label (no finding recorded = normal).
            var finding = CliFixture.Capture(new CompareFeaturesCommand(), "compare-features", "--manifest", Path.Combine(dir, "manifest.csv"),
                "--task", "finding", "--folds", "2", "--json");
            Assert.AreEqual(ExitCodes.Success, finding.Code, finding.Output);
            using var findingJson = JsonDocument.Parse(finding.Output);
            Assert.AreEqual("finding", findingJson.RootElement.GetProperty("task").GetString());
            Assert.AreEqual(64, findingJson.RootElement.GetProperty("images").GetInt32());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void PretrainingPerFoldAddsARowAndLeavesNoTemporaryFolder()
    {
        string dir = Directory.CreateTempSubdirectory("mama-compare-").FullName;
        string leftovers = $"mama-compare-features-{Environment.ProcessId}-";
        try
        {
            var synth = CliFixture.Capture(new SynthCommand(), "synth", "--out", dir, "--studies", "12", "--size", "64x80", "--seed", "4");
            Assert.AreEqual(ExitCodes.Success, synth.Code, synth.Output);
            var (code, output) = CliFixture.Capture(new CompareFeaturesCommand(), "compare-features", "--manifest", Path.Combine(dir, "manifest.csv"),
                "--task", "finding", "--pretrain-per-fold", "tiny", "--pretrain-steps", "2", "--folds", "2", "--json");
            Assert.AreEqual(ExitCodes.Success, code, output);
            using var json = JsonDocument.Parse(output);
            var rows = json.RootElement.GetProperty("features").EnumerateArray().ToList();
            Assert.HasCount(2, rows);
            Assert.AreEqual("MaMA tiny pretrained per fold (2 steps)", rows[1].GetProperty("name").GetString());
            Assert.AreEqual(64, rows[1].GetProperty("width").GetInt32(), "the tiny ViT's pooled feature");
            Assert.IsTrue(rows[1].GetProperty("balancedAccuracy").GetDouble() is >= 0 and <= 1);
            Assert.IsEmpty(Directory.GetDirectories(Path.GetTempPath(), leftovers + "*"), "each fold's pretraining folder is removed");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void OneFoldOrAnUnknownTaskIsAUsageErrorAndTooFewPatientsABadInput()
    {
        Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new CompareFeaturesCommand(), "compare-features", "--manifest", CliFixture.Manifest, "--pretrain-per-fold", "resnet50"));
        Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new CompareFeaturesCommand(), "compare-features", "--manifest", CliFixture.Manifest, "--pretrain-per-fold", "tiny", "--pretrain-steps", "0"));
        Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new CompareFeaturesCommand(), "compare-features", "--manifest", CliFixture.Manifest, "--task", "lesion"));
        Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new CompareFeaturesCommand(), "compare-features", "--manifest", CliFixture.Manifest, "--folds", "1"));
        // The fixture has 4 studies (4 women): not enough for 10 folds.
        Assert.AreEqual(ExitCodes.BadInput, CliFixture.Invoke(new CompareFeaturesCommand(), "compare-features", "--manifest", CliFixture.Manifest, "--task", "cancer", "--folds", "10"));
    }
}
