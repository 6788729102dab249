using System.CommandLine;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// A top-level `mama` command. Each lives in its own file; Program finds them all by reflection, so adding a
/// command never touches another command's file.
/// </summary>
public interface ICliCommand
{
    /// <summary>Builds the command with its options, sub-commands and action.</summary>
    Command Build();
}
