using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.EndToEndTests.Infrastructure;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// The events of the given names one SignalR connection receives, in arrival order. Built before the
/// connection starts, so nothing the server sends right after the handshake is missed.
/// </summary>
public sealed class HubMessageInbox
{
    private readonly Channel<ReceivedEvent> _received = Channel.CreateUnbounded<ReceivedEvent>();

    public HubMessageInbox(HubConnection connection, string name, params string[] clientEvents)
    {
        Name = name;
        foreach (var clientEvent in clientEvents)
        {
            connection.On<JsonElement>(clientEvent, payload => _received.Writer.TryWrite(new ReceivedEvent(clientEvent, payload)));
        }
    }

    public string Name { get; }

    /// <summary>The next event; fails with <see cref="TimeoutException"/> after <paramref name="patience"/>.</summary>
    public async Task<ReceivedEvent> NextAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            return await _received.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} received nothing within {patience.TotalSeconds} s.");
        }
    }
}
