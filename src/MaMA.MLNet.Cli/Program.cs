using System.CommandLine;
using System.Reflection;
using MaMA.MLNet.Cli.Commands;

var root = new RootCommand("mama: MaMA mammography vision-language models for .NET (DICOM, pretraining, zero-shot, fine-tuning, ONNX).");
foreach (var type in typeof(Program).Assembly.GetTypes()
             .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
             .OrderBy(t => t.Name, StringComparer.Ordinal))
{
    root.Subcommands.Add(((ICliCommand)Activator.CreateInstance(type)!).Build());
}

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
    return ExitCodes.Usage;
}
return parsed.Invoke();

/// <summary>Entry point (top-level statements); public so tests can find the assembly.</summary>
public partial class Program;
