using MaMA.MLNet.Cli.Progress;

namespace MaMA.MLNet.Cli.Tests;

[TestClass]
public static class AssemblySetup
{
    /// <summary>In-process command runs always take the plain progress path, even when the tests run in a terminal.</summary>
    [AssemblyInitialize]
    public static void PlainProgress(TestContext _) => Environment.SetEnvironmentVariable(CliProgress.ModeVariable, "plain");
}
