using System.CommandLine;
using System.Text.Json;
using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests;

[TestClass]
public sealed class SynthPretrainZeroShotTests
{
    private static int Invoke(ICliCommand command, params string[] args)
    {
        var root = new RootCommand { command.Build() };
        var parsed = root.Parse(args);
        return parsed.Errors.Count > 0 ? ExitCodes.Usage : parsed.Invoke();
    }

    [TestMethod]
    public void SynthPretrainAndZeroShotRunInProcess()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mama-cli-" + Guid.NewGuid().ToString("N"));
        var saved = Console.Out;
        try
        {
            Assert.AreEqual(ExitCodes.Success, Invoke(new SynthCommand(), "synth", "--out", Path.Combine(dir, "data"), "--studies", "6", "--size", "64x80", "--seed", "3"));
            string manifest = Path.Combine(dir, "data", "manifest.csv");
            Assert.IsTrue(File.Exists(manifest));
            Assert.AreEqual(1 + 24, File.ReadAllLines(manifest).Length);

            Assert.AreEqual(ExitCodes.Success, Invoke(new PretrainCommand(), "pretrain", "--manifest", manifest, "--preset", "tiny", "--out", Path.Combine(dir, "run"),
                "--steps", "2", "--batch-size", "4", "--late-start", "1"));
            string model = Path.Combine(dir, "run", "model");
            Assert.IsTrue(File.Exists(Path.Combine(model, "config.json")));
            Assert.IsTrue(File.Exists(Path.Combine(model, "tokenizer", "vocab.json")));
            // Unset options take the tiny from-scratch defaults: whole text encoder trained, 84 px images.
            var savedConfig = MaMA.MLNet.Modeling.MaMA.MaMAConfig.FromJson(File.ReadAllText(Path.Combine(model, "config.json")));
            Assert.AreEqual(84, savedConfig.Vision.ImageSize);
            Assert.IsNull(savedConfig.Lora);
            // Two steps, then the run's end record.
            Assert.AreEqual(3, File.ReadAllLines(Path.Combine(dir, "run", "training-log.jsonl")).Length);

            var output = new StringWriter();
            Console.SetOut(output);
            int code = Invoke(new ZeroShotCommand(), "zeroshot", "--model", model, "--manifest", manifest, "--task", "density", "--json");
            Console.SetOut(saved);
            Assert.AreEqual(ExitCodes.Success, code, output.ToString());
            using var json = JsonDocument.Parse(output.ToString());
            var root = json.RootElement;
            Assert.AreEqual(24, root.GetProperty("count").GetInt32());
            double balanced = root.GetProperty("balancedAccuracy").GetDouble();
            Assert.IsTrue(balanced is >= 0 and <= 1);
            var matrix = root.GetProperty("confusionMatrix");
            Assert.AreEqual(4, matrix.GetArrayLength());
            Assert.AreEqual(24, matrix.EnumerateArray().Sum(row => row.EnumerateArray().Sum(c => c.GetInt32())));
        }
        finally
        {
            Console.SetOut(saved);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void BadInputGetsDistinctExitCodes()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".csv");
        var saved = Console.Error;
        Console.SetError(new StringWriter());
        try
        {
            Assert.AreEqual(ExitCodes.BadInput, Invoke(new PretrainCommand(), "pretrain", "--manifest", missing, "--out", Path.GetTempPath()));
            Assert.AreEqual(ExitCodes.Usage, Invoke(new SynthCommand(), "synth", "--out", Path.GetTempPath(), "--size", "12"));
            Assert.AreEqual(ExitCodes.Usage, Invoke(new ZeroShotCommand(), "zeroshot", "--model", "m", "--manifest", missing, "--task", "shoe"));
            Assert.AreEqual(ExitCodes.BadInput, Invoke(new ZeroShotCommand(), "zeroshot", "--model", "m", "--manifest", missing, "--task", "density"));
        }
        finally
        {
            Console.SetError(saved);
        }
    }
}
