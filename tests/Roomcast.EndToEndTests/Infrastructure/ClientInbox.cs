using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>Every <c>CHANGED_DOCUMENT</c> one SignalR connection receives, in arrival order.</summary>
public sealed class ClientInbox
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly Channel<ChangedDocumentMessage> _received = Channel.CreateUnbounded<ChangedDocumentMessage>();

    public ClientInbox(HubConnection connection, string name)
    {
        Name = name;
        connection.On<ChangedDocumentMessage>(ClientEvents.ChangedDocument, message => _received.Writer.TryWrite(message));
    }

    public string Name { get; }

    /// <summary>The next message this connection receives; fails after a bounded wait.</summary>
    public async Task<ChangedDocumentMessage> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await _received.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} received no CHANGED_DOCUMENT within {Patience.TotalSeconds} s.");
        }
    }
}
