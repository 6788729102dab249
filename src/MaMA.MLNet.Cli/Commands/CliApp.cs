using System.CommandLine;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// The tool's one entry path: builds the command tree, parses, runs the chosen action and turns what escapes it into
/// one line and an exit code (<see cref="UserErrors"/>). Program.cs calls it with the process's arguments; tests
/// call it in-process with their own writers, so they see exactly what a user sees.
/// </summary>
public static class CliApp
{
    /// <summary>Every top-level command (each <see cref="ICliCommand"/> in this assembly), in name order.</summary>
    public static IReadOnlyList<ICliCommand> Commands() =>
        [.. typeof(CliApp).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)];

    /// <summary>The root command with every command of <see cref="Commands"/>.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("mama: MaMA mammography vision-language models for .NET (DICOM, pretraining, zero-shot, fine-tuning, ONNX).");
        foreach (var command in Commands()) root.Subcommands.Add(command.Build());
        return root;
    }

    /// <summary>Runs the tool on <paramref name="args"/>; output and error default to the console.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null) => Run(BuildRoot(), args, output, error);

    /// <summary>Runs <paramref name="root"/> on <paramref name="args"/> with the tool's error handling.</summary>
    public static int Run(RootCommand root, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        error ??= Console.Error;
        using var errors = ExitCodes.WriteErrorsTo(error);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors) error.WriteLine(problem.Message);
            return ExitCodes.Usage;
        }
        // Our own handler instead of System.CommandLine's (which prints the stack trace and exits 1): a user error is
        // one line and exit 2/3; unexpected exceptions still say everything.
        var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = error };
        if (output is not null) configuration.Output = output;
        try
        {
            return parsed.Invoke(configuration);
        }
        catch (Exception e)
        {
            return UserErrors.Report(e, error);
        }
    }
}
