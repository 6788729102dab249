using System.CommandLine;
using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>A synthetic data set (4 studies, 16 images) and a randomly initialised tiny model, made once per run, and in-process command calls.</summary>
internal static class CliFixture
{
    private static readonly Lazy<(string Dir, string Manifest, string Model)> State = new(Create);

    public static string Directory => State.Value.Dir;

    public static string Manifest => State.Value.Manifest;

    public static string Model => State.Value.Model;

    /// <summary>Runs one command through the tool's entry path (<see cref="CliApp"/>: parsing, the action, <see cref="UserErrors"/>).</summary>
    public static int Invoke(ICliCommand command, params string[] args) => CliApp.Run(new RootCommand { command.Build() }, args);

    public static (int Code, string Output) Capture(ICliCommand command, params string[] args)
    {
        var saved = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try { return (Invoke(command, args), output.ToString()); }
        finally { Console.SetOut(saved); }
    }

    private static (string, string, string) Create()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("mama-cli-fixture-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { } };
        var synth = Capture(new SynthCommand(), "synth", "--out", Path.Combine(dir, "data"), "--studies", "4", "--size", "64x80", "--seed", "5");
        Assert.AreEqual(ExitCodes.Success, synth.Code, synth.Output);
        var init = Capture(new ModelCommand(), "model", "init", "--preset", "tiny", "--out", Path.Combine(dir, "model"), "--seed", "2");
        Assert.AreEqual(ExitCodes.Success, init.Code, init.Output);
        return (dir, Path.Combine(dir, "data", "manifest.csv"), Path.Combine(dir, "model"));
    }
}
