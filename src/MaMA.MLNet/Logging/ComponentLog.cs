using Microsoft.ML.Runtime;

namespace MaMA.MLNet.Logging;

/// <summary>
/// Info lines of one long-running call (a Fit) on an ML.NET channel of the component's host, so they arrive at
/// <c>MLContext.Log</c> with the host's name as the source. Without a host it writes nothing.
/// </summary>
internal sealed class ComponentLog : IDisposable
{
    private readonly IChannel? _channel;

    public ComponentLog(IHost? host, string channelName) => _channel = host?.Start(channelName);

    /// <summary>Writes one info line.</summary>
    public void Info(string message) => _channel?.Info(MessageSensitivity.None, message);

    /// <summary>Writes one warning line.</summary>
    public void Warning(string message) => _channel?.Warning(MessageSensitivity.None, message);

    /// <summary>Ends the channel.</summary>
    public void Dispose() => _channel?.Dispose();
}
