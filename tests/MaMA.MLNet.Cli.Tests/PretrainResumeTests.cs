using System.CommandLine;
using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests;

/// <summary><c>mama pretrain --resume</c> over damaged checkpoints: falls back and says so; none intact is exit 3 and one line.</summary>
[TestClass]
public sealed class PretrainResumeTests
{
    private static (int Code, string Out, string Error) Run(ICliCommand command, params string[] args)
    {
        var (savedOut, savedError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (CliApp.Run(new RootCommand { command.Build() }, args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
    }

    private static void OverwriteMiddle(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length / 2;
        stream.Write(Enumerable.Repeat((byte)0xFF, 16).ToArray());
    }

    [TestMethod]
    public void ADamagedNewestCheckpointFallsBackAndNoIntactOneIsExitCode3WithOneLine()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mama-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.AreEqual(ExitCodes.Success, Run(new SynthCommand(), "synth", "--out", Path.Combine(dir, "data"), "--studies", "6", "--size", "64x80", "--seed", "3").Code);
            string manifest = Path.Combine(dir, "data", "manifest.csv");
            string run = Path.Combine(dir, "run");
            string[] pretrain = ["pretrain", "--manifest", manifest, "--preset", "tiny", "--out", run, "--steps", "2", "--batch-size", "4", "--image-size", "56"];
            var first = Run(new PretrainCommand(), pretrain);
            Assert.AreEqual(ExitCodes.Success, first.Code, first.Error);
            string checkpoints = Path.Combine(run, "checkpoints");
            var files = Directory.GetFiles(checkpoints, "step-*.ckpt").Order(StringComparer.Ordinal).ToArray();
            Assert.HasCount(2, files);

            OverwriteMiddle(files[^1]);
            var resumed = Run(new PretrainCommand(), [.. pretrain, "--resume"]);
            Assert.AreEqual(ExitCodes.Success, resumed.Code, resumed.Error);
            StringAssert.Contains(resumed.Out + resumed.Error, "Resumed past a damaged checkpoint");
            StringAssert.Contains(resumed.Out + resumed.Error, Path.GetFileName(files[^1]));

            foreach (string file in Directory.GetFiles(checkpoints, "step-*.ckpt")) OverwriteMiddle(file);
            var failed = Run(new PretrainCommand(), [.. pretrain, "--resume"]);
            Assert.AreEqual(ExitCodes.BadInput, failed.Code, failed.Out + failed.Error);
            // Standard error also carries the plain progress lines ("progress stage=..."); the error is one line.
            var lines = failed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("progress ", StringComparison.Ordinal)).ToArray();
            Assert.HasCount(1, lines, failed.Error);
            StringAssert.Contains(lines[0], "no intact checkpoint");
            Assert.IsFalse(failed.Error.Contains("   at ", StringComparison.Ordinal), "a stack trace was printed");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
