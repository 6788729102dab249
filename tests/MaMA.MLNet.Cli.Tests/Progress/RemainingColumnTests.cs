using MaMA.MLNet.Cli.Progress;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MaMA.MLNet.Cli.Tests.Progress;

[TestClass]
public sealed class RemainingColumnTests
{
    private static string Rendered(IRenderable renderable)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Write(renderable);
        return text.ToString().Trim();
    }

    [TestMethod]
    public void AReportedEstimateIsShownAndCountsDownUntilTheNextReport()
    {
        var clock = new FakeTimeProvider();
        var column = new RemainingColumn(clock);
        var task = new ProgressTask(1, "pretrain", 1000);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        var options = RenderOptions.Create(console, console.Profile.Capabilities);
        // Nothing reported, nothing done: no rate to estimate from.
        Assert.AreEqual("--:--:--", Rendered(column.Render(options, task, TimeSpan.Zero)));

        // A training run with a minute of its budget left, whatever 1000 steps at its rate would take.
        column.Set(task, TimeSpan.FromSeconds(60));
        Assert.AreEqual("00:01:00", Rendered(column.Render(options, task, TimeSpan.Zero)));
        clock.Advance(TimeSpan.FromSeconds(15));
        Assert.AreEqual("00:00:45", Rendered(column.Render(options, task, TimeSpan.Zero)));
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.AreEqual("00:00:00", Rendered(column.Render(options, task, TimeSpan.Zero)));
        // Withdrawn: back to the rate (none yet).
        column.Set(task, null);
        Assert.AreEqual("--:--:--", Rendered(column.Render(options, task, TimeSpan.Zero)));
    }
}
