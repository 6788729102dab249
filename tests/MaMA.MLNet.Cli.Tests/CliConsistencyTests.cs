using System.CommandLine;
using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// The tool's command tree as a whole (<see cref="CliApp.BuildRoot"/>, the tree Program.cs runs): every command is
/// classified as running a model or not, every model-running command takes the one shared <c>--device</c>, and one
/// concept has one spelling across commands. A new command fails here until it is classified and follows suit.
/// </summary>
[TestClass]
public sealed class CliConsistencyTests
{
    // A finetuned pipeline for predict, made once.
    private static readonly Lazy<string> Pipeline = new(() =>
    {
        string file = Fresh("pipeline.mama.zip");
        int code = CliApp.Run(["finetune", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--out", file, "--steps", "1", "--batch-size", "4"],
            new StringWriter(), new StringWriter());
        Assert.AreEqual(ExitCodes.Success, code);
        return file;
    });

    // compare-features needs both cancer classes from enough patients: the 16-study set of CompareFeaturesCommandTests.
    private static readonly Lazy<string> CompareManifest = new(() =>
    {
        string dir = Fresh("compare");
        Assert.AreEqual(ExitCodes.Success, CliApp.Run(["synth", "--out", dir, "--studies", "16", "--size", "64x80", "--seed", "3"], new StringWriter(), new StringWriter()));
        return Path.Combine(dir, "manifest.csv");
    });

    /// <summary>Commands that run a model, with the smallest arguments that make them run on the fixture (no --device).</summary>
    private static readonly Dictionary<string, Func<string[]>> ModelRunning = new(StringComparer.Ordinal)
    {
        ["zeroshot"] = () => ["--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--json"],
        ["evaluate"] = () => ["--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--json"],
        ["embed"] = () => ["--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--out", Fresh("e.csv")],
        ["retrieve"] = () => ["--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--query", "dense breast", "--top", "2"],
        ["explain"] = () => ["--model", CliFixture.Model, "--image", FirstImage(), "--text", "a mass", "--out", Fresh("x.png")],
        ["predict"] = () => ["--model", Pipeline.Value, "--manifest", CliFixture.Manifest],
        ["finetune"] = () => ["--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--out", Fresh("m.mama.zip"), "--steps", "1", "--batch-size", "4"],
        ["pretrain"] = () => ["--manifest", CliFixture.Manifest, "--out", Fresh("run"), "--steps", "1", "--batch-size", "4"],
        ["demo"] = () => ["--out", Fresh("demo"), "--studies", "4", "--steps", "1", "--batch-size", "4", "--size", "64x80", "--minutes", "600"],
        ["compare-features"] = () => ["--manifest", CompareManifest.Value, "--task", "cancer", "--model", CliFixture.Model, "--folds", "2"],
    };

    /// <summary>Commands that run no model on a device, and why.</summary>
    private static readonly Dictionary<string, string> NoModel = new(StringComparer.Ordinal)
    {
        ["synth"] = "writes phantom images",
        ["dicom info"] = "reads a header",
        ["dicom pixels"] = "decodes pixels",
        ["dicom png"] = "preprocesses one image",
        ["model summary"] = "counts parameters from a config",
        ["model init"] = "builds and saves weights; no forward pass",
        ["export-reference"] = "resizes images and writes tables for the reference's own training; no model",
        ["export-onnx"] = "writes a graph; its parity check runs one random input on the CPU against ONNX Runtime on the CPU",
    };

    private static string Fresh(string name) => Path.Combine(CliFixture.Directory, "consistency-" + Guid.NewGuid().ToString("N")[..8], name);

    private static string FirstImage() => Directory.EnumerateFiles(Path.GetDirectoryName(CliFixture.Manifest)!, "*.png", SearchOption.AllDirectories).First();

    // Every command that has an action (leaves and commands with their own action), by its path below the root.
    private static List<(string Path, Command Command)> Commands()
    {
        var found = new List<(string, Command)>();
        void Walk(Command command, string path)
        {
            if (command.Action is not null) found.Add((path, command));
            foreach (var sub in command.Subcommands) Walk(sub, path.Length == 0 ? sub.Name : path + " " + sub.Name);
        }
        Walk(CliApp.BuildRoot(), "");
        return found;
    }

    private static IEnumerable<object[]> ModelRunningNames() => ModelRunning.Keys.Order(StringComparer.Ordinal).Select(n => new object[] { n });

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var saved = Console.Out;
        Console.SetOut(output);
        try { return (CliApp.Run(args, output, error), output.ToString(), error.ToString()); }
        finally { Console.SetOut(saved); }
    }

    [TestMethod]
    public void EveryCommandIsClassifiedAndEveryModelRunningOneHasTheSharedDeviceOption()
    {
        var commands = Commands();
        var names = commands.Select(c => c.Path).ToList();
        CollectionAssert.AreEquivalent(ModelRunning.Keys.Concat(NoModel.Keys).ToList(), names,
            "each command is listed once, as running a model (give it --device) or not (say why)");
        var devices = commands.Where(c => ModelRunning.ContainsKey(c.Path))
            .Select(c => (c.Path, Option: c.Command.Options.FirstOrDefault(o => o.Name == "--device"))).ToList();
        foreach (var (path, option) in devices) Assert.IsNotNull(option, $"{path} runs a model but has no --device");
        Assert.HasCount(1, devices.Select(d => d.Option!.Description).Distinct().ToList(), "one definition of --device: the same help everywhere");
        foreach (var (path, command) in commands.Where(c => NoModel.ContainsKey(c.Path)))
            Assert.IsFalse(command.Options.Any(o => o.Name == "--device"), $"{path} runs no model, so --device would be a lie");
    }

    [TestMethod]
    [DynamicData(nameof(ModelRunningNames))]
    public void EveryModelRunningCommandRunsWithDeviceCpu(string command)
    {
        var run = Run([.. command.Split(' '), .. ModelRunning[command](), "--device", "cpu"]);
        Assert.AreEqual(ExitCodes.Success, run.Code, $"{command}: {run.Error}");
    }

    [TestMethod]
    [DynamicData(nameof(ModelRunningNames))]
    public void ABadDeviceIsAUsageErrorNamingTheFlagBeforeAnyWork(string command)
    {
        var run = Run([.. command.Split(' '), .. ModelRunning[command](), "--device", "tpu"]);
        Assert.AreEqual(ExitCodes.Usage, run.Code, $"{command}: {run.Error}");
        Assert.AreEqual("--device must be cpu, cuda, cuda:N or auto, got 'tpu'.", run.Error.Trim(), command);
        Assert.AreEqual("", run.Output, $"{command} did no work");
    }

    [TestMethod]
    public void CudaWithoutCudaIsAUsageErrorForTorchSharpAndACpuFallbackForOnnxRuntime()
    {
        // The test project is built with the CPU TorchSharp backend (the default), so CUDA is never available to it.
        Assert.IsFalse(TorchSharp.torch.cuda.is_available(), "this test expects the CPU TorchSharp build");
        var torch = Run("zeroshot", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--device", "cuda:1");
        Assert.AreEqual(ExitCodes.Usage, torch.Code, torch.Error);
        StringAssert.StartsWith(torch.Error, "--device cuda:1: CUDA is not available here");
        StringAssert.Contains(torch.Error, "-p:TorchBackend=cuda");

        var onnx = CliProcess.Run("zeroshot", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--backend", "onnx", "--device", "cuda", "--json");
        Assert.AreEqual(ExitCodes.Success, onnx.Code, onnx.Describe());
        StringAssert.Contains(onnx.Error, "running on the CPU", onnx.Describe());
        // In-process the warning goes to the invocation's error writer like every other message.
        var inProcess = Run("zeroshot", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--backend", "onnx", "--device", "cuda", "--json");
        Assert.AreEqual(ExitCodes.Success, inProcess.Code, inProcess.Error);
        StringAssert.Contains(inProcess.Error, "running on the CPU");
    }

    [TestMethod]
    public void SizeIsOnlyThePhantomCanvasAndTheModelInputIsImageSizeEverywhere()
    {
        foreach (var (path, command) in Commands())
        {
            foreach (var option in command.Options)
            {
                var spellings = option.Aliases.Append(option.Name).ToList();
                if (spellings.Contains("--size"))
                {
                    CollectionAssert.Contains(new[] { "synth", "demo" }, path, $"{path}: --size is the phantom's canvas only; the model input is --image-size");
                    StringAssert.Contains(option.Description, "Phantom", $"{path} --size says it is the phantom's canvas");
                }
                // Other spellings of concepts that have one name.
                foreach (string other in new[] { "--img-size", "--input-size", "--resolution", "--gpu", "--cuda", "--output", "--model-dir", "--bad-images", "--on-bad-images" })
                    CollectionAssert.DoesNotContain(spellings, other, $"{path}: {other} is spelled differently elsewhere");
                if (option.Name == "--image-size")
                    Assert.IsTrue(option.Description!.Contains("pixels", StringComparison.Ordinal) || option.Description.Contains("px", StringComparison.Ordinal), $"{path} --image-size: {option.Description}");
            }
        }
    }

    [TestMethod]
    public void AnOptionNameMeansOneKindOfValueAndSharedOptionsHaveOneHelpText()
    {
        var byName = Commands().SelectMany(c => c.Command.Options.Select(o => (c.Path, Option: o))).GroupBy(x => x.Option.Name);
        foreach (var group in byName)
        {
            var kinds = group.Select(x => (x.Path, Kind: Kind(x.Option.ValueType))).ToList();
            Assert.HasCount(1, kinds.Select(k => k.Kind).Distinct().ToList(),
                $"{group.Key} takes different kinds of value: {string.Join(", ", kinds.Select(k => $"{k.Path}: {k.Kind}"))}");
        }
        foreach (string shared in new[] { "--device", "--backend", "--on-bad-image", "--manifest", "--allow-outside-paths", "--json" })
        {
            var descriptions = byName.Single(g => g.Key == shared).Select(x => x.Option.Description).Distinct().ToList();
            Assert.HasCount(1, descriptions, $"{shared} is declared once (CommonOptions/BadImagePolicy) and explained alike");
        }
    }

    [TestMethod]
    public void SeedIsOneThirtyTwoBitOptionOnEveryCommandThatTakesIt()
    {
        var seeds = Commands().SelectMany(c => c.Command.Options.Where(o => o.Name == "--seed").Select(o => (c.Path, Option: o))).ToList();
        CollectionAssert.IsSubsetOf(new[] { "demo", "export-onnx", "finetune", "model init", "pretrain", "synth" }, seeds.Select(s => s.Path).ToList());
        foreach (var (path, option) in seeds)
            Assert.AreEqual(typeof(int), option.ValueType, $"{path} --seed: one width everywhere (CommonOptions.Seed)");
        // The largest int is a seed like any other (the range is refused past it, ABadValueIsOneUsageLineStartingWithTheFlagAsTyped).
        string output = Fresh("synth-max");
        var run = Run("synth", "--out", output, "--studies", "1", "--size", "64x80", "--seed", "2147483647");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Error);
    }

    [TestMethod]
    public void JsonMeansJsonInsteadOfTheTextOnEveryCommandThatHasIt()
    {
        var jsons = Commands().Where(c => c.Command.Options.Any(o => o.Name == "--json")).Select(c => c.Path).ToList();
        CollectionAssert.IsSubsetOf(new[] { "compare-features", "dicom info", "evaluate", "model summary", "zeroshot" }, jsons);
        foreach (string command in new[] { "zeroshot", "evaluate" })
        {
            string[] args = [command, "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--task", "density"];
            var text = Run(args);
            Assert.AreEqual(ExitCodes.Success, text.Code, text.Error);
            StringAssert.StartsWith(text.Output, "Zero-shot density on 16 images", $"{command} without --json prints the table");
            var json = Run([.. args, "--json"]);
            Assert.AreEqual(ExitCodes.Success, json.Code, json.Error);
            using var document = System.Text.Json.JsonDocument.Parse(json.Output);
            Assert.AreEqual(16, document.RootElement.GetProperty("count").GetInt32(), command);
        }
        // evaluate's old --json (one line of JSON) under its own name.
        var compact = Run("evaluate", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--task", "density", "--compact-json");
        Assert.AreEqual(ExitCodes.Success, compact.Code, compact.Error);
        Assert.HasCount(1, compact.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), compact.Output);
        using var line = System.Text.Json.JsonDocument.Parse(compact.Output);
        Assert.AreEqual(16, line.RootElement.GetProperty("count").GetInt32());
    }

    // The kind of value a user types: integer, number, text, flag; a repeatable option is its single form (e.g. --model).
    private static string Kind(Type type)
    {
        if (type.IsArray) type = type.GetElementType()!;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(bool) ? "flag"
            : type == typeof(int) || type == typeof(long) ? "integer"
            : type == typeof(double) || type == typeof(float) ? "number"
            : type == typeof(string) || type == typeof(FileInfo) || type == typeof(DirectoryInfo) ? "text"
            : type.Name;
    }

    /// <summary>Bad values, each with the flag the one-line message must start with (exit 2, before any work).</summary>
    private static (string Flag, string[] Args)[] BadValueCases()
    {
        string m = CliFixture.Model, csv = CliFixture.Manifest, o = Fresh("out");
        string[] pretrain = ["pretrain", "--manifest", csv, "--out", o];
        string[] finetune = ["finetune", "--model", m, "--manifest", csv, "--out", o + ".mama.zip"];
        string[] zeroshot = ["zeroshot", "--model", m, "--manifest", csv];
        (string Flag, string[] Args)[] cases =
        [
            ("--steps", [.. pretrain, "--steps", "0"]), ("--batch-size", [.. pretrain, "--batch-size", "0"]), ("--minutes", [.. pretrain, "--minutes", "0"]),
            ("--lr", [.. pretrain, "--lr", "0"]), ("--warmup", [.. pretrain, "--warmup", "-1"]), ("--late-start", [.. pretrain, "--late-start", "-1"]),
            ("--image-size", [.. pretrain, "--image-size", "5"]), ("--frozen-text-dtype", [.. pretrain, "--frozen-text-dtype", "int8"]),
            ("--steps", [.. finetune, "--steps", "0"]), ("--batch-size", [.. finetune, "--batch-size", "0"]), ("--lr", [.. finetune, "--lr", "0"]),
            ("--validation-fraction", [.. finetune, "--validation-fraction", "2"]), ("--mode", [.. finetune, "--mode", "all"]), ("--task", [.. finetune, "--task", "age"]),
            ("--task", [.. zeroshot, "--task", "age"]), ("--split", [.. zeroshot, "--split", "dev"]), ("--backend", [.. zeroshot, "--backend", "tpu"]),
            ("--on-bad-image", [.. zeroshot, "--on-bad-image", "ignore"]),
            ("--top", ["retrieve", "--model", m, "--manifest", csv, "--query", "a mass", "--top", "0"]),
            ("--query", ["retrieve", "--model", m, "--manifest", csv, "--query", " "]),
            ("--folds", ["compare-features", "--manifest", csv, "--folds", "1"]),
            ("--studies", ["synth", "--out", o, "--studies", "0"]), ("--size", ["synth", "--out", o, "--size", "12"]),
            ("--steps", ["demo", "--out", o, "--steps", "0"]),
            ("--batch-size", ["embed", "--model", m, "--manifest", csv, "--out", o + ".csv", "--batch-size", "0"]),
            ("--format", ["embed", "--model", m, "--manifest", csv, "--out", o + ".csv", "--format", "xlsx"]),
            ("--image-size", ["dicom", "png", FirstImage(), o + ".png", "--image-size", "5"]),
            ("--frozen-text-dtype", ["model", "init", "--preset", "tiny", "--out", o, "--frozen-text-dtype", "int8"]),
            // One 32-bit --seed everywhere: past int's range is refused, not cut (pretrain's used to take 64 bits).
            ("--seed", [.. pretrain, "--seed", "4294967296"]), ("--seed", ["synth", "--out", o, "--seed", "2147483648"]),
            ("--seed", [.. finetune, "--seed", "x"]),
        ];
        return cases;
    }

    // Built when the test runs (the fixture is made then, not at discovery); the row is the case's index and its flag.
    private static IEnumerable<object[]> BadValues() => Enumerable.Range(0, 31).Select(i => new object[] { i });

    [TestMethod]
    [DynamicData(nameof(BadValues))]
    public void ABadValueIsOneUsageLineStartingWithTheFlagAsTyped(int index)
    {
        var cases = BadValueCases();
        Assert.HasCount(31, cases, "BadValues() lists one row per case");
        var (flag, args) = cases[index];
        var run = Run(args);
        Assert.AreEqual(ExitCodes.Usage, run.Code, $"{string.Join(' ', args)}: {run.Error}");
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, run.Error);
        StringAssert.StartsWith(lines[0], flag + " ", $"{string.Join(' ', args)}: named as typed, not as a property");
        Assert.AreEqual("", run.Output, "no work was done");
    }

    [TestMethod]
    public void FailMessagesGoToTheInvocationsErrorWriterNotTheConsole()
    {
        var (saved, console) = (Console.Error, new StringWriter());
        Console.SetError(console);
        try
        {
            var error = new StringWriter();
            int code = CliApp.Run(["zeroshot", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--task", "nope"], new StringWriter(), error);
            Assert.AreEqual(ExitCodes.Usage, code);
            Assert.AreEqual("--task must be density, birads or cancer, got 'nope'.", error.ToString().Trim());
            // And an exception that escapes a command (a missing model directory), through UserErrors.
            var missing = new StringWriter();
            Assert.AreEqual(ExitCodes.BadInput, CliApp.Run(["explain", "--model", Fresh("none"), "--image", FirstImage(), "--text", "x", "--out", Fresh("x.png")], new StringWriter(), missing));
            StringAssert.Contains(missing.ToString(), "does not exist");
            Assert.AreEqual("", console.ToString(), "nothing went to Console.Error");
        }
        finally { Console.SetError(saved); }
    }
}
