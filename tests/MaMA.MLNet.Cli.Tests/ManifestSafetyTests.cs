using System.Globalization;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Embeddings;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// What the tool writes and says about a manifest from someone else: CSV cells that would start a spreadsheet formula
/// are neutralised (OWASP), errors show no byte of a file the manifest points at, and relative paths that lead out of
/// the manifest's folder are refused unless <c>--allow-outside-paths</c> is given.
/// </summary>
[TestClass]
public sealed class ManifestSafetyTests
{
    private const string Secret = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY";

    // A folder with four of the fixture's images, two under names a spreadsheet would run as formulas.
    private static readonly Lazy<(string Folder, string[] Images)> Data = new(() =>
    {
        string folder = Path.Combine(CliFixture.Directory, "safety-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var sources = Directory.EnumerateFiles(Path.GetDirectoryName(CliFixture.Manifest)!, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(4).ToArray();
        string[] names = ["=HYPERLINK(x).png", "@SUM(A1).png", "plain.png", "+1.png"];
        for (int i = 0; i < names.Length; i++) File.Copy(sources[i], Path.Combine(folder, names[i]));
        return (folder, names);
    });

    private static string WriteManifest(string folder, string name, params string[] rows)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, "image_path,patient_id,study_id,view,laterality,density\n" + string.Join("\n", rows) + "\n");
        return path;
    }

    [TestMethod]
    public void EmbeddingAndBadImageCsvsNeutraliseFormulaCellsKeepNumbersAndReadBack()
    {
        var (folder, images) = Data.Value;
        string manifest = WriteManifest(folder, "formulas.csv",
            $"{images[0]},\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",@SUM(1+1),CC,L,2",
            $"{images[1]},+1,-2,MLO,L,2",
            $"{images[2]},P3,S3,CC,R,3",
            $"{images[3]},P4,S4,MLO,R,3",
            "=missing(1).png,P5,S5,CC,L,1");
        string output = Path.Combine(folder, "formulas.csv.out", "e.csv");
        var run = CliProcess.Run("embed", "--model", CliFixture.Model, "--manifest", manifest, "--out", output, "--on-bad-image", "skip");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());

        var lines = File.ReadAllLines(output);
        Assert.HasCount(5, lines, string.Join("\n", lines));
        int width = CliFixtureWidth(lines[0]);
        bool sawNegative = false;
        foreach (string line in lines.Skip(1))
        {
            var cells = RawCells(line);
            Assert.HasCount(5 + width, cells, line);
            foreach (string text in cells.Take(5)) AssertNeutral(text, line);
            foreach (string number in cells.Skip(5))
            {
                Assert.IsTrue(float.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out float v), $"'{number}' is a bare number: {line}");
                sawNegative |= v < 0 && number.StartsWith('-');
            }
        }
        Assert.IsTrue(sawNegative, "negative embedding values are written as plain numbers");
        // Columns: path (absolute here, so it starts with the folder), study_id, patient_id, view, laterality.
        StringAssert.Contains(lines.Single(l => l.Contains("HYPERLINK(x)", StringComparison.Ordinal)),
            ",\"'@SUM(1+1)\",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",CC,L,");
        StringAssert.Contains(lines.Single(l => l.Contains("@SUM(A1)", StringComparison.Ordinal)), ",\"'-2\",\"'+1\",MLO,L,");

        // Our reader gives back the values as the manifest had them.
        var rows = EmbeddingTableReader.Read(output).ToDictionary(r => Path.GetFileName(r.Path));
        Assert.AreEqual("=HYPERLINK(\"http://evil.example\",\"x\")", rows[images[0]].PatientId);
        Assert.AreEqual("@SUM(1+1)", rows[images[0]].StudyId);
        Assert.AreEqual("+1", rows[images[1]].PatientId);
        Assert.AreEqual("-2", rows[images[1]].StudyId);

        // Resuming reads the stored paths back to the same keys: nothing is embedded twice.
        var again = CliProcess.Run("embed", "--model", CliFixture.Model, "--manifest", manifest, "--out", output, "--on-bad-image", "skip");
        Assert.AreEqual(ExitCodes.Success, again.Code, again.Describe());
        Assert.HasCount(5, File.ReadAllLines(output), "a resumed run adds no row");

        var listed = File.ReadAllLines(Path.Combine(folder, "formulas.csv.out", "e.bad-images.csv"));
        Assert.HasCount(2, listed);
        StringAssert.StartsWith(listed[1], Path.Combine(folder, "=missing(1).png") + ",");
        foreach (string cell in RawCells(listed[1])) AssertNeutral(cell, listed[1]);
    }

    [TestMethod]
    public void ABadRowShowsThePathButNoByteOfTheFile()
    {
        var (folder, images) = Data.Value;
        string notes = Path.Combine(folder, "credentials");
        File.WriteAllText(notes, Secret + "\nregion=eu-west-1\n");
        string manifest = WriteManifest(folder, "secret.csv", $"{images[2]},P1,S1,CC,L,2", "credentials,P2,S2,CC,R,2");
        string output = Path.Combine(folder, "secret-out", "e.csv");

        var skip = CliProcess.Run("embed", "--model", CliFixture.Model, "--manifest", manifest, "--out", output, "--on-bad-image", "skip");
        Assert.AreEqual(ExitCodes.Success, skip.Code, skip.Describe());
        string list = File.ReadAllText(Path.Combine(folder, "secret-out", "e.bad-images.csv"));
        StringAssert.Contains(list, notes);
        StringAssert.Contains(list, "unknown image format");
        AssertNoSecret(list + skip.Error + skip.Output);

        var fail = CliProcess.Run("zeroshot", "--model", CliFixture.Model, "--manifest", manifest);
        Assert.AreEqual(ExitCodes.BadInput, fail.Code, fail.Describe());
        StringAssert.Contains(fail.Error, notes);
        AssertNoSecret(fail.Error + fail.Output);
    }

    [TestMethod]
    public void EveryCommandThatReadsAManifestRefusesPathsOutOfItsFolderNamingTheRow()
    {
        var (folder, images) = Data.Value;
        string sub = Path.Combine(folder, "sub-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(sub);
        string manifest = WriteManifest(sub, "outside.csv", $"../{images[2]},P1,S1,CC,L,2", $"../{images[3]},P2,S2,MLO,R,3");
        string model = CliFixture.Model;
        string[][] commands =
        [
            ["zeroshot", "--model", model, "--manifest", manifest, "--task", "density"],
            ["evaluate", "--model", model, "--manifest", manifest, "--task", "density"],
            ["embed", "--model", model, "--manifest", manifest, "--out", Path.Combine(sub, "e.csv")],
            ["retrieve", "--model", model, "--manifest", manifest, "--query", "dense breast"],
            ["predict", "--model", Path.Combine(sub, "none.mama.zip"), "--manifest", manifest],
            ["compare-features", "--manifest", manifest, "--task", "density"],
            ["pretrain", "--manifest", manifest, "--preset", "tiny", "--out", Path.Combine(sub, "run"), "--steps", "1"],
            ["finetune", "--model", model, "--manifest", manifest, "--task", "density", "--mode", "probe", "--out", Path.Combine(sub, "f.mama.zip"), "--steps", "1"],
        ];
        foreach (var args in commands)
        {
            var (code, error) = InProcess(args);
            Assert.AreEqual(ExitCodes.BadInput, code, $"{args[0]}: {error}");
            StringAssert.Contains(error, $"{manifest}, line 2, column 'image_path'", args[0]);
            StringAssert.Contains(error, "leads out of the manifest's folder", args[0]);
            StringAssert.Contains(error, "--allow-outside-paths", args[0]);
        }

        // Through the real entry point: one line, exit 3; with the flag the same manifest is read.
        var refused = CliProcess.Run("zeroshot", "--model", model, "--manifest", manifest, "--task", "density", "--json");
        Assert.AreEqual(ExitCodes.BadInput, refused.Code, refused.Describe());
        Assert.HasCount(1, refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("progress ", StringComparison.Ordinal)), refused.Describe());
        var allowed = CliProcess.Run("zeroshot", "--model", model, "--manifest", manifest, "--task", "density", "--json", "--allow-outside-paths");
        Assert.AreEqual(ExitCodes.Success, allowed.Code, allowed.Describe());
        StringAssert.Contains(allowed.Output, "\"count\":2");
    }

    private static (int Code, string Error) InProcess(string[] args)
    {
        ICliCommand command = args[0] switch
        {
            "zeroshot" => new ZeroShotCommand(),
            "evaluate" => new EvaluateCommand(),
            "embed" => new EmbedCommand(),
            "retrieve" => new RetrieveCommand(),
            "predict" => new PredictCommand(),
            "compare-features" => new CompareFeaturesCommand(),
            "pretrain" => new PretrainCommand(),
            "finetune" => new FinetuneCommand(),
            _ => throw new ArgumentException(args[0]),
        };
        var savedOut = Console.Out;
        var savedError = Console.Error;
        var error = new StringWriter();
        Console.SetOut(new StringWriter());
        Console.SetError(error);
        try { return (CliFixture.Invoke(command, args), error.ToString()); }
        finally { Console.SetOut(savedOut); Console.SetError(savedError); }
    }

    private static void AssertNoSecret(string text)
    {
        // Neither the text nor its hex, in any 6-character piece.
        string hex = Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(Secret));
        for (int i = 0; i + 6 <= Secret.Length; i++)
            Assert.DoesNotContain(Secret.Substring(i, 6), text, $"secret text shown: {text}");
        for (int i = 0; i + 12 <= hex.Length; i += 2)
            Assert.DoesNotContain(hex.Substring(i, 12), text, StringComparison.OrdinalIgnoreCase, $"secret hex shown: {text}");
    }

    // A text cell as it stands in the file: nothing a spreadsheet runs (a formula character first, quoted or not).
    private static void AssertNeutral(string raw, string line)
    {
        string inner = raw.StartsWith('"') ? raw[1..] : raw;
        Assert.IsFalse(inner.Length > 0 && "=+-@\t\r".Contains(inner[0]), $"{raw} would run as a formula: {line}");
    }

    private static int CliFixtureWidth(string header) => header.Split(',').Count(h => h.StartsWith('e') && int.TryParse(h.AsSpan(1), out _));

    // The cells of one line as they stand in the file (quotes kept), split at the commas outside quotes.
    private static List<string> RawCells(string line)
    {
        var cells = new List<string>();
        int start = 0;
        bool quoted = false;
        for (int i = 0; i <= line.Length; i++)
        {
            if (i == line.Length || (line[i] == ',' && !quoted))
            {
                cells.Add(line[start..i]);
                start = i + 1;
            }
            else if (line[i] == '"') quoted = !quoted;
        }
        return cells;
    }
}
