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
// Our own handler instead of System.CommandLine's (which prints the stack trace and exits 1): a user error is one line
// and exit 2/3 (UserErrors); unexpected exceptions still say everything.
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    return UserErrors.Report(e);
}

/// <summary>Entry point (top-level statements); public so tests can find the assembly.</summary>
public partial class Program;
