using System.Collections.Concurrent;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MaMA.MLNet.Cli.Progress;

/// <summary>
/// The last column of a live progress row: the stage's detail (e.g. the loss terms), cut with an ellipsis where the
/// terminal is too narrow, so a long detail never squeezes the bar or wraps the row.
/// </summary>
internal sealed class DetailColumn : ProgressColumn
{
    // Spectre's task state holds value types only, so the texts live here, by task id.
    private readonly ConcurrentDictionary<int, string> _details = new();

    // Room the other columns take on a row (name, 30-wide bar, percentage, two clocks, spinner, gaps), roughly.
    private const int OtherColumns = 80;

    /// <inheritdoc />
    protected override bool NoWrap => true;

    /// <inheritdoc />
    public override int? GetColumnWidth(RenderOptions options) => Math.Max(1, options.ConsoleSize.Width - OtherColumns);

    /// <summary>Sets the detail shown for <paramref name="task"/>.</summary>
    public void Set(ProgressTask task, string detail) => _details[task.Id] = detail;

    /// <inheritdoc />
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
    {
        // Cut here: Spectre would wrap the text at its spaces onto extra rows before any ellipsis applies.
        string detail = _details.GetValueOrDefault(task.Id, "");
        int width = GetColumnWidth(options)!.Value;
        if (detail.Length > width) detail = width <= 1 ? "" : detail[..(width - 1)] + "…";
        return new Text(detail, new Style(Color.Grey));
    }
}
