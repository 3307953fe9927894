using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;

namespace Roomcast.EndToEndTests.DocumentsApi;

/// <summary>One record message a connection received: <c>NEW_RECORD</c>, <c>CHANGED_RECORD</c> or <c>DELETED_RECORD</c>.</summary>
internal sealed record ReceivedRecord(string Event, RecordMessage? Record, DeletedRecordMessage? Deleted)
{
    public string Type => Record?.Type ?? Deleted!.Type;

    public Guid Id => Deleted?.Id ?? Record!.Record.GetProperty("id").GetGuid();

    public override string ToString() => $"{Event} {Type} {Id}";
}

/// <summary>Every record message one SignalR connection receives, in arrival order.</summary>
internal sealed class RecordInbox
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly Channel<ReceivedRecord> _received = Channel.CreateUnbounded<ReceivedRecord>();
    private readonly List<ReceivedRecord> _skipped = [];

    public RecordInbox(HubConnection connection, string name)
    {
        Name = name;
        connection.On<RecordMessage>(ClientEvents.NewRecord, message => _received.Writer.TryWrite(new(ClientEvents.NewRecord, message, null)));
        connection.On<RecordMessage>(ClientEvents.ChangedRecord, message => _received.Writer.TryWrite(new(ClientEvents.ChangedRecord, message, null)));
        connection.On<DeletedRecordMessage>(ClientEvents.DeletedRecord, message => _received.Writer.TryWrite(new(ClientEvents.DeletedRecord, null, message)));
    }

    public string Name { get; }

    /// <summary>
    /// The first message that <paramref name="matches"/>, skipping others (remembered in the failure
    /// message); fails after a bounded wait.
    /// </summary>
    public async Task<ReceivedRecord> NextAsync(Func<ReceivedRecord, bool> matches, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var left = Patience - deadline.Elapsed;
            using var timeout = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            ReceivedRecord next;
            try
            {
                next = await _received.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException(
                    $"{Name} received no {what} within {Patience.TotalSeconds} s; it received only: [{string.Join(", ", _skipped)}]");
            }

            if (matches(next))
            {
                return next;
            }

            _skipped.Add(next);
        }
    }

    /// <summary>
    /// Every message up to and including the first that <paramref name="isFence"/>: what arrived
    /// before a later change this connection is sure to hear about.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedRecord>> UntilAsync(Func<ReceivedRecord, bool> isFence, string what)
    {
        var before = new List<ReceivedRecord>();
        await NextAsync(message =>
        {
            before.Add(message);
            return isFence(message);
        }, what);
        return before;
    }
}
