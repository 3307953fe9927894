using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>One client event as received: its name and JSON payload.</summary>
public sealed record ReceivedEvent(string Name, JsonElement Payload)
{
    public string? Type => Payload.TryGetProperty("type", out var type) ? type.GetString() : null;

    public Guid Id => Payload.TryGetProperty("id", out var id) ? id.GetGuid() : Payload.GetProperty("record").GetProperty("id").GetGuid();

    public override string ToString() => $"{Name} {Payload.GetRawText()}";
}

/// <summary>Every record event one SignalR connection receives, in arrival order, whatever its kind.</summary>
public sealed class EventInbox
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly Channel<ReceivedEvent> _received = Channel.CreateUnbounded<ReceivedEvent>();
    private readonly Func<string>? _diagnostics;

    /// <param name="diagnostics">What a timeout should also tell (the stack's service logs), read only when one happens.</param>
    public EventInbox(HubConnection connection, string name, Func<string>? diagnostics = null)
    {
        Name = name;
        _diagnostics = diagnostics;
        foreach (var clientEvent in new[] { ClientEvents.NewRecord, ClientEvents.ChangedRecord, ClientEvents.DeletedRecord, ClientEvents.ChangedDocument })
        {
            connection.On<JsonElement>(clientEvent, payload => _received.Writer.TryWrite(new ReceivedEvent(clientEvent, payload)));
        }
    }

    public string Name { get; }

    /// <summary>The next event this connection receives; fails after a bounded wait.</summary>
    public async Task<ReceivedEvent> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await _received.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} received no event within {Patience.TotalSeconds} s.{(_diagnostics is null ? "" : Environment.NewLine + _diagnostics())}");
        }
    }
}
