using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace Roomcast.RealtimeGateway.Connections;

/// <summary>
/// The connections of this instance, each with its <see cref="ConnectionOutbox"/>. The audience path
/// writes events here: never through Redis, never waiting for a connection, once per connection.
/// Connections are registered by <see cref="LocalConnectionsLifetimeManager{THub}"/>.
/// </summary>
public sealed partial class LocalConnections
{
    private readonly ConcurrentDictionary<string, ConnectionOutbox> _outboxes = new(StringComparer.Ordinal);
    private readonly IHubProtocol _sizing;
    private readonly ConnectionMetrics _metrics;
    private readonly ILogger<LocalConnections> _logger;
    private TaskCompletionSource? _emptied;

    public LocalConnections(IOptions<OutboundBufferOptions> limits, IHubProtocolResolver protocols, ConnectionMetrics metrics, TimeProvider time, ILogger<LocalConnections> logger)
    {
        Limits = limits.Value;
        Time = time;
        // Sizes are counted as the JSON protocol writes them (every client of Roomcast speaks it).
        _sizing = protocols.GetProtocol("json", null) ?? protocols.AllProtocols[0];
        _metrics = metrics;
        _logger = logger;
    }

    internal OutboundBufferOptions Limits { get; }

    /// <summary>How many connections this instance holds.</summary>
    public int Count => _outboxes.Count;

    internal TimeProvider Time { get; }

    /// <summary>
    /// Queues <paramref name="message"/> for each of <paramref name="connectionIds"/> (distinct) that lives
    /// on this instance; returns for how many it was queued.
    /// </summary>
    public int Write(IEnumerable<string> connectionIds, SerializedHubMessage message)
    {
        int? bytes = null;
        var queued = 0;
        foreach (var connectionId in connectionIds)
        {
            if (_outboxes.TryGetValue(connectionId, out var outbox) && outbox.Enqueue(message, bytes ??= message.GetSerializedMessage(_sizing).Length))
            {
                queued++;
            }
        }
        return queued;
    }

    /// <summary>Writes nothing more to any connection of this instance from now on, without closing them (<see cref="ReconnectAll"/> does); returns how many.</summary>
    public int HoldAll()
    {
        var held = 0;
        foreach (var outbox in _outboxes.Values)
        {
            outbox.Hold();
            held++;
        }
        return held;
    }

    /// <summary>
    /// Tells every connection here to reconnect and <c>Resume</c>, with <paramref name="reason"/>: each
    /// stops taking events at once (they would be chosen by rooms that may be out of date; the client
    /// gets them back with <c>Resume</c>), and their close messages go out spread evenly over
    /// <paramref name="window"/> (<see cref="SpreadClose"/>; zero: all before this returns). Returns how
    /// many were told (a connection told already is not told again).
    /// </summary>
    public int ReconnectAll(string reason, TimeSpan window)
    {
        var stopped = _outboxes.Values.Where(outbox => outbox.Stop()).ToList();
        _ = SpreadClose.RunAsync(stopped, reason, window, Time);
        return stopped.Count;
    }

    /// <summary>
    /// Tells each of <paramref name="connectionIds"/> that lives here and meets <paramref name="which"/> (all
    /// when null) to go, with <paramref name="reason"/>: it takes no more events at once, and gets its close
    /// message now (<see cref="ConnectionOutbox.CloseAsync"/>). Returns those told.
    /// </summary>
    public IReadOnlyList<string> Close(IEnumerable<string> connectionIds, string reason, Func<HubConnectionContext, bool>? which = null)
    {
        var closed = new List<string>();
        foreach (var connectionId in connectionIds)
        {
            if (_outboxes.TryGetValue(connectionId, out var outbox) && (which is null || which(outbox.Connection)) && outbox.Stop())
            {
                _ = outbox.CloseAsync(reason);
                closed.Add(connectionId);
            }
        }
        return closed;
    }

    /// <summary>
    /// Closes, with <paramref name="reason"/>, every connection here whose access token expired at or before
    /// <paramref name="now"/>; returns their ids. One pass over the connections: an idle connection costs
    /// one number, no timer.
    /// </summary>
    public IReadOnlyList<string> CloseExpired(DateTimeOffset now, string reason)
    {
        var ticks = now.UtcTicks;
        List<string>? closed = null;
        foreach (var (connectionId, outbox) in _outboxes)
        {
            if (outbox.ExpiresAt <= ticks && outbox.Stop())
            {
                _ = outbox.CloseAsync(reason);
                (closed ??= []).Add(connectionId);
            }
        }
        return closed ?? (IReadOnlyList<string>)[];
    }

    internal void Add(HubConnectionContext connection) =>
        _outboxes[connection.ConnectionId] = new ConnectionOutbox(connection, this, TokenExpiry.Of(connection.GetHttpContext()));

    internal void Remove(HubConnectionContext connection)
    {
        _outboxes.TryRemove(connection.ConnectionId, out _);
        if (_outboxes.IsEmpty)
        {
            Volatile.Read(ref _emptied)?.TrySetResult();
        }
    }

    /// <summary>Completes once this instance holds no connection (a draining instance waits for it; one waiter at a time).</summary>
    public Task WhenEmptyAsync(CancellationToken cancellationToken)
    {
        var emptied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _emptied, emptied);
        // Checked after the waiter is in place: a removal before it sees no waiter, one after it completes it.
        if (_outboxes.IsEmpty)
        {
            emptied.TrySetResult();
        }
        return emptied.Task.WaitAsync(cancellationToken);
    }

    internal void SlowConnectionClosing(string connectionId, int dropped, long droppedBytes)
    {
        _metrics.SlowConnectionClosed();
        LogSlowConnectionClosing(connectionId, Limits.MaxMessages, Limits.MaxBytes, dropped, droppedBytes, Limits.CloseGrace);
    }

    internal void WriteFailed(string connectionId, Exception exception)
    {
        _metrics.WriteFailed();
        LogWriteFailed(connectionId, exception);
    }

    [LoggerMessage(EventId = GatewayLogEvents.SlowConnectionClosing, Level = LogLevel.Warning,
        Message = "Connection {ConnectionId} fell more than {MaxMessages} messages or {MaxBytes} bytes behind: closing it (reconnect and resume), {Dropped} waiting messages ({DroppedBytes} bytes) dropped, aborted after {Grace}")]
    private partial void LogSlowConnectionClosing(string connectionId, int maxMessages, long maxBytes, int dropped, long droppedBytes, TimeSpan grace);

    [LoggerMessage(EventId = GatewayLogEvents.ConnectionWriteFailed, Level = LogLevel.Debug, Message = "A write to connection {ConnectionId} failed")]
    private partial void LogWriteFailed(string connectionId, Exception exception);
}
