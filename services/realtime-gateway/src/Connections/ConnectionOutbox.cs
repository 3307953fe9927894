using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Roomcast.Contracts.Client;

namespace Roomcast.RealtimeGateway.Connections;

/// <summary>
/// What waits to be written to one connection. Messages go out in the order they were queued, one
/// write at a time, and whoever queues one never waits for the connection. A connection that falls
/// more than <see cref="OutboundBufferOptions.MaxMessages"/> messages or
/// <see cref="OutboundBufferOptions.MaxBytes"/> behind is closed with
/// <see cref="CloseReasons.SlowConnection"/> (reconnect allowed) and what still waited is dropped: the
/// client gets it back with <c>Resume</c>, and a slow or stuck connection costs only itself. Any
/// connection can be told to reconnect the same way, with another reason: <see cref="Stop"/>, then
/// <see cref="CloseAsync"/>.
/// </summary>
internal sealed class ConnectionOutbox(HubConnectionContext connection, LocalConnections owner, DateTimeOffset expires)
{
    private readonly Lock _gate = new();
    private Queue<(SerializedHubMessage Message, int Bytes)>? _waiting;
    private long _waitingBytes;
    private bool _writing;
    private bool _closing;
    private bool _held;

    public HubConnectionContext Connection => connection;

    /// <summary>When the access token the connection proved itself with expires, in UTC ticks.</summary>
    public long ExpiresAt { get; } = expires.UtcTicks;

    /// <summary>Queues <paramref name="message"/> (<paramref name="bytes"/> long); false when the connection is being closed and will not get it.</summary>
    public bool Enqueue(SerializedHubMessage message, int bytes)
    {
        int dropped;
        long droppedBytes;
        lock (_gate)
        {
            if (_closing || _held)
            {
                return false;
            }
            if (!_writing)
            {
                _writing = true;
                _ = WriteInOrderAsync(message);
                return true;
            }
            var waiting = _waiting ??= new Queue<(SerializedHubMessage, int)>();
            if (waiting.Count < owner.Limits.MaxMessages && _waitingBytes + bytes <= owner.Limits.MaxBytes)
            {
                waiting.Enqueue((message, bytes));
                _waitingBytes += bytes;
                return true;
            }
            (dropped, droppedBytes) = StopLocked();
        }
        owner.SlowConnectionClosing(connection.ConnectionId, dropped, droppedBytes);
        _ = CloseAsync(CloseReasons.SlowConnection);
        return false;
    }

    /// <summary>
    /// Takes no more messages and drops what still waits, but leaves the connection open: a later
    /// <see cref="Stop"/> and <see cref="CloseAsync"/> tell it why (the client gets what it missed back with <c>Resume</c>).
    /// </summary>
    public void Hold()
    {
        lock (_gate)
        {
            _held = true;
            _waiting?.Clear();
            _waitingBytes = 0;
        }
    }

    /// <summary>
    /// Takes no more messages and drops what still waits (the client gets it back with <c>Resume</c>);
    /// false when the connection was being closed already. Follow it with <see cref="CloseAsync"/>.
    /// </summary>
    public bool Stop()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return false;
            }
            StopLocked();
            return true;
        }
    }

    /// <summary>Writes <paramref name="message"/>, then whatever was queued meanwhile, until nothing waits.</summary>
    private async Task WriteInOrderAsync(SerializedHubMessage message)
    {
        while (true)
        {
            try
            {
                await connection.WriteAsync(message).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                owner.WriteFailed(connection.ConnectionId, exception);
            }
            lock (_gate)
            {
                if (_closing || _waiting is not { Count: > 0 } waiting)
                {
                    _writing = false;
                    return;
                }
                (message, var bytes) = waiting.Dequeue();
                _waitingBytes -= bytes;
            }
        }
    }

    /// <summary>
    /// Tells the client <paramref name="reason"/> and that it may reconnect (a slow reader gets this once
    /// it catches up), then after the grace period closes the connection as SignalR does for an expired
    /// token: the pending write is cancelled and reconnecting stays allowed
    /// (<see cref="HubConnectionContext.Abort"/> would forbid it).
    /// </summary>
    public async Task CloseAsync(string reason)
    {
        _ = WriteCloseAsync(reason);
        await Task.Delay(owner.Limits.CloseGrace, owner.Time).ConfigureAwait(false);
        if (connection.Features.Get<IConnectionLifetimeNotificationFeature>() is { } lifetime)
        {
            lifetime.RequestClose();
        }
        else
        {
            connection.Abort();
        }
    }

    private async Task WriteCloseAsync(string reason)
    {
        try
        {
            await connection.WriteAsync(new CloseMessage(reason, allowReconnect: true)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            owner.WriteFailed(connection.ConnectionId, exception);
        }
    }

    private (int Dropped, long DroppedBytes) StopLocked()
    {
        _closing = true;
        var dropped = (_waiting?.Count ?? 0, _waitingBytes);
        _waiting?.Clear();
        _waitingBytes = 0;
        return dropped;
    }
}
