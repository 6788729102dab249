using MaMA.MLNet.Cli.Commands;

return CliApp.Run(args);

/// <summary>Entry point (top-level statements); public so tests can find the assembly.</summary>
public partial class Program;
