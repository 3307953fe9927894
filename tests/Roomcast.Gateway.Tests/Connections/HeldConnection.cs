using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.Gateway.Tests.Infrastructure;

namespace Roomcast.Gateway.Tests.Connections;

/// <summary>
/// An in-memory SignalR connection whose writes do not complete while it is held, as with a client
/// that stops reading; what was written reaches <see cref="NextAsync"/> as JSON hub messages once
/// released. Records whether the server asked it to close (keeping reconnects allowed).
/// </summary>
internal sealed class HeldConnection : HubConnectionContext
{
    private static readonly IHubProtocol Json = new JsonHubProtocol();
    private readonly Channel<string> _written = Channel.CreateUnbounded<string>();
    private readonly CloseRequests _closeRequests;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HeldConnection(DefaultConnectionContext context, CloseRequests closeRequests)
        : base(context, new HubConnectionContextOptions { KeepAliveInterval = TimeSpan.FromSeconds(15), ClientTimeoutInterval = TimeSpan.FromSeconds(30) }, NullLoggerFactory.Instance) =>
        _closeRequests = closeRequests;

    public static HeldConnection Create(string name, bool held)
    {
        var context = new DefaultConnectionContext($"{name}-{Guid.NewGuid():N}");
        var closeRequests = new CloseRequests();
        context.Features.Set<IConnectionLifetimeNotificationFeature>(closeRequests);
        var connection = new HeldConnection(context, closeRequests);
        if (!held)
        {
            connection.Release();
        }
        return connection;
    }

    /// <summary>Whether the server asked to close the connection with reconnecting allowed.</summary>
    public bool CloseRequested => _closeRequests.Requested;

    /// <summary>When the server asked to close the connection (a <see cref="Stopwatch"/> timestamp), or null.</summary>
    public long? CloseRequestedAt => _closeRequests.RequestedAt;

    public bool Aborted { get; private set; }

    public void Release() => _released.TrySetResult();

    public override void Abort() => Aborted = true;

    public override ValueTask WriteAsync(HubMessage message, CancellationToken cancellationToken = default) =>
        WriteAsync(new SerializedHubMessage(message), cancellationToken);

    public override async ValueTask WriteAsync(SerializedHubMessage message, CancellationToken cancellationToken = default)
    {
        await _released.Task;
        var bytes = message.GetSerializedMessage(Json);
        _written.Writer.TryWrite(Encoding.UTF8.GetString(bytes.Span[..^1]));
    }

    /// <summary>The next message written to the client, as JSON; fails after a bounded wait.</summary>
    public async Task<string> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TestRedis.Patience);
        return await _written.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>How many written messages have not been read with <see cref="NextAsync"/>.</summary>
    public int Unread => _written.Reader.Count;

    private sealed class CloseRequests : IConnectionLifetimeNotificationFeature
    {
        public bool Requested => RequestedAt is not null;

        public long? RequestedAt { get; private set; }

        public CancellationToken ConnectionClosedRequested { get; set; }

        public void RequestClose() => RequestedAt ??= Stopwatch.GetTimestamp();
    }
}
