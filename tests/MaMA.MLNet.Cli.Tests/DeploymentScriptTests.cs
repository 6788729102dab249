using System.CommandLine;
using System.Diagnostics;
using System.Text.RegularExpressions;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Embeddings;
using YamlDotNet.RepresentationModel;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// deploy/ as a cluster would run it, on the tiny fixture model: the Kubernetes Indexed Job's container args and
/// environment, one process per completion index, and the Slurm array script itself under bash (with srun and mama
/// on the PATH), one run per array task. Each must exit 0, and together they must embed every manifest image exactly
/// once (so the shard count, the array range and the completions agree). The Dockerfile's publish step and entry
/// point must name the tool that is built.
/// </summary>
[TestClass]
public sealed partial class DeploymentScriptTests
{
    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found above the test output.");
    }

    private static string Deploy(params string[] parts) => Path.Combine([RepositoryRoot(), "deploy", .. parts]);

    /// <summary>The tool's whole command tree, as Program builds it.</summary>
    private static RootCommand Tool()
    {
        var root = new RootCommand();
        foreach (var type in typeof(EmbedCommand).Assembly.GetTypes()
                     .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }))
            root.Subcommands.Add(((ICliCommand)Activator.CreateInstance(type)!).Build());
        return root;
    }

    /// <summary>Parses <paramref name="args"/> with the tool's parser; fails naming the parser's errors.</summary>
    private static string ParsedCommand(IReadOnlyList<string> args, string source)
    {
        var parsed = Tool().Parse(args.ToArray());
        Assert.IsEmpty(parsed.Errors, $"{source}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
        return parsed.CommandResult.Command.Name;
    }

    private static string Value(IReadOnlyList<string> args, string option)
    {
        int i = args.ToList().IndexOf(option);
        Assert.IsTrue(i >= 0 && i + 1 < args.Count, $"{option} is missing");
        return args[i + 1];
    }

    /// <summary>A child process in <paramref name="folder"/>, without a scheduler's variables from the test's own environment.</summary>
    private static ProcessStartInfo Start(string file, string folder)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string v in new[] { ManifestShard.KubernetesIndexVariable, ManifestShard.SlurmTaskIdVariable, ManifestShard.SlurmTaskMinVariable, EmbedCommand.KillAfterRowsVariable })
            start.Environment.Remove(v);
        return start;
    }

    private static (int Code, string Stdout, string Stderr) Run(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>Runs <paramref name="count"/> processes, as many at once as there are cores (at least 2); results by index.</summary>
    private static (int Code, string Stdout, string Stderr)[] RunAll(int count, Func<int, ProcessStartInfo> start)
    {
        var results = new (int, string, string)[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, i => results[i] = Run(start(i)));
        return results;
    }

    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";

    private static string MamaDll => Path.Combine(AppContext.BaseDirectory, "mama.dll");

    /// <summary>Links every entry of the fixture's data folder (manifest and images) into <paramref name="folder"/>.</summary>
    private static void LinkFixtureData(string folder, string manifestName)
    {
        Directory.CreateDirectory(folder);
        string data = Path.GetDirectoryName(CliFixture.Manifest)!;
        foreach (string entry in Directory.EnumerateFileSystemEntries(data))
        {
            string link = Path.Combine(folder, Path.GetFileName(entry) == "manifest.csv" ? manifestName : Path.GetFileName(entry));
            if (Directory.Exists(entry)) Directory.CreateSymbolicLink(link, entry);
            else File.CreateSymbolicLink(link, entry);
        }
    }

    /// <summary>Every fixture image exactly once in the table at <paramref name="output"/>, compared by path below the manifest's folder.</summary>
    private static void AssertEveryImageOnce(string output, string manifestFolder)
    {
        var expected = MammogramManifestReader.Read(CliFixture.Manifest).Records
            .Select(r => Path.GetRelativePath(Path.GetDirectoryName(CliFixture.Manifest)!, r.ImagePath)).Order(StringComparer.Ordinal).ToList();
        var actual = EmbeddingTableReader.Read(output).Select(r => Path.GetRelativePath(manifestFolder, r.Path)).Order(StringComparer.Ordinal).ToList();
        Assert.HasCount(16, expected, "the fixture has 16 images");
        CollectionAssert.AreEqual(expected, actual);
    }

    private static YamlNode Get(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : throw new AssertFailedException($"the manifest has no '{key}'");

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    [TestMethod]
    public void TheKubernetesIndexedJobEmbedsEveryImageOnceWithItsArgsAsWritten()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Deploy("kubernetes", "embed-indexed-job.yaml"))) yaml.Load(reader);
        var job = yaml.Documents.Single().RootNode;
        Assert.AreEqual("Job", Text(Get(job, "kind")));
        var spec = Get(job, "spec");
        Assert.AreEqual("Indexed", Text(Get(spec, "completionMode")));
        int completions = int.Parse(Text(Get(spec, "completions")));
        var pod = Get(Get(spec, "template"), "spec");
        var container = ((YamlSequenceNode)Get(pod, "containers")).Children.Single();
        var args = ((YamlSequenceNode)Get(container, "args")).Children.Select(Text).ToList();

        // The image's entry point is the tool (deploy/Dockerfile), so args are the tool's command line.
        Assert.AreEqual("embed", ParsedCommand(args, "embed-indexed-job.yaml args"));
        Assert.AreEqual(completions.ToString(System.Globalization.CultureInfo.InvariantCulture), Value(args, "--shard-count"), "completions must equal --shard-count");

        // Each volume mount becomes a local folder; the model, the manifest's folder and the output go where the args say.
        string local = Directory.CreateTempSubdirectory("mama-k8s-").FullName;
        try
        {
            var mounts = ((YamlSequenceNode)Get(container, "volumeMounts")).Children
                .Select(m => (Name: Text(Get(m, "name")), Path: Text(Get(m, "mountPath")))).ToList();
            string Local(string containerPath)
            {
                var mount = mounts.Single(m => containerPath == m.Path || containerPath.StartsWith(m.Path + "/", StringComparison.Ordinal));
                return Path.Combine(local, mount.Name) + containerPath[mount.Path.Length..];
            }
            foreach (var m in mounts) Directory.CreateDirectory(Path.Combine(local, m.Name));
            string model = Local(Value(args, "--model")), manifest = Local(Value(args, "--manifest")), output = Local(Value(args, "--out"));
            Directory.CreateDirectory(Path.GetDirectoryName(model)!);
            Directory.CreateSymbolicLink(model, CliFixture.Model);
            LinkFixtureData(Path.GetDirectoryName(manifest)!, Path.GetFileName(manifest));
            var localArgs = args.Select(a => a.StartsWith('/') ? Local(a) : a).ToList();
            var environment = ((YamlSequenceNode)Get(container, "env")).Children.ToDictionary(e => Text(Get(e, "name")), e => Text(Get(e, "value")));

            // The pods run at once, as the Job's parallelism lets them, writing into one output folder.
            var runs = RunAll(completions, index =>
            {
                var start = Start(DotnetHost, local);
                foreach (string a in new[] { MamaDll }.Concat(localArgs)) start.ArgumentList.Add(a);
                return WithEnvironment(start, environment, (ManifestShard.KubernetesIndexVariable, index.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            });
            for (int index = 0; index < completions; index++) Assert.AreEqual(ExitCodes.Success, runs[index].Code, $"pod {index}: {runs[index].Stderr}");
            AssertEveryImageOnce(output, Path.GetDirectoryName(manifest)!);
        }
        finally
        {
            Directory.Delete(local, recursive: true);
        }
    }

    private static ProcessStartInfo WithEnvironment(ProcessStartInfo start, IReadOnlyDictionary<string, string> environment, params (string Name, string Value)[] more)
    {
        foreach (var (k, v) in environment) start.Environment[k] = v;
        foreach (var (k, v) in more) start.Environment[k] = v;
        return start;
    }

    [GeneratedRegex(@"^#SBATCH\s+--array=(\d+)-(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ArrayRange();

    [TestMethod]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void TheSlurmArrayScriptEmbedsEveryImageOnceRunAsWritten()
    {
        string script = Deploy("slurm", "embed-array.sh");
        var range = ArrayRange().Match(File.ReadAllText(script));
        Assert.IsTrue(range.Success, "the script has no #SBATCH --array=A-B line");
        int first = int.Parse(range.Groups[1].Value), last = int.Parse(range.Groups[2].Value);

        // The submit folder the script expects (its defaults: manifest.csv, models/mama, embeddings.parquet), and
        // stand-ins for srun (runs its command) and the published tool on the PATH.
        string submit = Directory.CreateTempSubdirectory("mama-slurm-").FullName;
        try
        {
            LinkFixtureData(submit, "manifest.csv");
            Directory.CreateDirectory(Path.Combine(submit, "models"));
            Directory.CreateSymbolicLink(Path.Combine(submit, "models", "mama"), CliFixture.Model);
            string bin = Directory.CreateDirectory(Path.Combine(submit, ".bin")).FullName;
            WriteExecutable(Path.Combine(bin, "srun"), "#!/bin/sh\nexec \"$@\"\n");
            WriteExecutable(Path.Combine(bin, "mama"), $"#!/bin/sh\nexec '{DotnetHost}' '{MamaDll}' \"$@\"\n");

            var runs = RunAll(last - first + 1, i =>
            {
                var start = Start("bash", submit);
                start.ArgumentList.Add(script);
                start.Environment["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
                foreach (string v in new[] { "MAMA", "MODEL", "MANIFEST", "OUT", "SHARDS" }) start.Environment.Remove(v);
                return WithEnvironment(start, new Dictionary<string, string>(),
                    (ManifestShard.SlurmTaskIdVariable, (first + i).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    (ManifestShard.SlurmTaskMinVariable, first.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            });
            for (int i = 0; i < runs.Length; i++) Assert.AreEqual(ExitCodes.Success, runs[i].Code, $"array task {first + i}: {runs[i].Stderr}");
            AssertEveryImageOnce(Path.Combine(submit, "embeddings.parquet"), submit);
        }
        finally
        {
            Directory.Delete(submit, recursive: true);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [GeneratedRegex(@"^RUN dotnet publish (?<project>\S+\.csproj)\b.*\s-o (?<out>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex PublishLine();

    [GeneratedRegex(@"^COPY --from=(?<stage>\S+) (?<from>\S+) (?<to>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex CopyFromLine();

    [GeneratedRegex(@"^ENTRYPOINT \[""(?<exe>[^""]+)""\]\s*$", RegexOptions.Multiline)]
    private static partial Regex EntryPointLine();

    [TestMethod]
    public void TheDockerfilePublishesTheToolItsEntryPointRuns()
    {
        string dockerfile = File.ReadAllText(Deploy("Dockerfile"));
        var publish = PublishLine().Match(dockerfile);
        Assert.IsTrue(publish.Success, "no 'RUN dotnet publish PROJECT ... -o OUT' line");
        string project = Path.Combine(RepositoryRoot(), publish.Groups["project"].Value);
        Assert.IsTrue(File.Exists(project), $"{publish.Groups["project"].Value} does not exist");
        var assemblyName = System.Xml.Linq.XDocument.Load(project).Descendants("AssemblyName").Single().Value;

        var copy = CopyFromLine().Match(dockerfile);
        Assert.IsTrue(copy.Success, "no 'COPY --from=STAGE OUT DEST' line");
        StringAssert.Contains(dockerfile, $"AS {copy.Groups["stage"].Value}\n", "COPY --from names a stage the Dockerfile defines");
        Assert.AreEqual(publish.Groups["out"].Value, copy.Groups["from"].Value, "the runtime stage copies the publish output");
        var entry = EntryPointLine().Match(dockerfile);
        Assert.IsTrue(entry.Success, "no exec-form ENTRYPOINT");
        Assert.AreEqual($"{copy.Groups["to"].Value}/{assemblyName}", entry.Groups["exe"].Value, "the entry point is the published tool's apphost");
        // The tool as built here has that apphost name.
        Assert.IsTrue(File.Exists(Path.Combine(AppContext.BaseDirectory, assemblyName)), $"no apphost '{assemblyName}' beside mama.dll");
    }

    [GeneratedRegex(@"dotnet run -c Release --project src/MaMA\.MLNet\.Cli -- (?<args>[^`\n]+)")]
    private static partial Regex ToolCommandInReadme();

    [GeneratedRegex(@"\b(?<path>(deploy|src|tests)/[\w./-]+\.(sh|yaml|csproj|mjs)|deploy/Dockerfile)\b")]
    private static partial Regex RepositoryPathInReadme();

    /// <summary>
    /// The README's walkthrough of the same job on a laptop, Slurm and Kubernetes: every tool command line in it parses
    /// with the tool's own parser, and every repository file it names exists.
    /// </summary>
    [TestMethod]
    public void TheReadmeWalkthroughCommandsParseAndItsFilesExist()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        int start = readme.IndexOf("## Archive-scale embedding", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, "the README has no archive-scale embedding section");
        int end = readme.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        string section = readme[start..(end < 0 ? readme.Length : end)];

        var commands = ToolCommandInReadme().Matches(section).Select(m => m.Groups["args"].Value.Trim()).ToList();
        Assert.IsGreaterThanOrEqualTo(3, commands.Count, "synth, model init and embed");
        foreach (string command in commands)
            ParsedCommand(command.Split(' ', StringSplitOptions.RemoveEmptyEntries), $"README: mama {command}");
        CollectionAssert.IsSubsetOf(new[] { "synth", "model", "embed" }, commands.Select(c => c.Split(' ')[0]).ToList());

        var paths = RepositoryPathInReadme().Matches(section).Select(m => m.Groups["path"].Value).Distinct().ToList();
        CollectionAssert.IsSubsetOf(new[] { "deploy/Dockerfile", "deploy/slurm/embed-array.sh", "deploy/kubernetes/embed-indexed-job.yaml" }, paths);
        foreach (string path in paths) Assert.IsTrue(File.Exists(Path.Combine(RepositoryRoot(), path)), $"README names {path}, which does not exist");
    }
}
