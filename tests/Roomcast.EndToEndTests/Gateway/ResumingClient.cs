using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.SignalR;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// A client that does what the wire contract asks of one: told to reconnect (a close with
/// reconnecting allowed), it connects again, buffers live events while it asks <c>Resume</c> from the
/// last position it applied, applies the answer, then the buffered events, and drops any event whose
/// <c>eventId</c> it applied already. Records each <c>CHANGED_DOCUMENT</c> it applied, once, and why it was closed.
/// </summary>
internal sealed class ResumingClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _name;
    private readonly Func<Uri> _hubUrl;
    private string _token;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);
    private readonly List<DocumentChange> _changes = [];
    private readonly List<string> _closeErrors = [];
    private readonly CancellationTokenSource _disposed = new();
    private HubConnection? _connection;
    private List<JsonElement>? _buffered;
    private (long Seq, string Epoch)? _position;
    private Task _reconnecting = Task.CompletedTask;
    private int _reloads;

    private ResumingClient(string name, Func<Uri> hubUrl, string token)
    {
        _name = name;
        _hubUrl = hubUrl;
        _token = token;
    }

    /// <summary>Every document change applied, once each, in the order applied.</summary>
    public IReadOnlyList<DocumentChange> Changes
    {
        get
        {
            lock (_gate)
            {
                return [.. _changes];
            }
        }
    }

    /// <summary>The errors of the close messages that told this client to reconnect.</summary>
    public IReadOnlyList<string> CloseErrors
    {
        get
        {
            lock (_gate)
            {
                return [.. _closeErrors];
            }
        }
    }

    /// <summary>How many resumes answered reload.</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>Connected, and done resuming: live events are applied as they come.</summary>
    public bool IsLive
    {
        get
        {
            lock (_gate)
            {
                return _connection?.State == HubConnectionState.Connected && _buffered is null;
            }
        }
    }

    /// <summary>Closes the connection as a client going offline does; <see cref="ReconnectAsync"/> comes back.</summary>
    public async Task DisconnectAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>Connects again with <paramref name="token"/> (from a fresh login) and resumes from the last position applied.</summary>
    public Task ReconnectAsync(string token)
    {
        _token = token;
        return StartConnectionAsync(resume: true);
    }

    /// <summary><c>JOIN_ROOM</c> on the current connection: the ack, or the hub's refusal as a <see cref="HubException"/>.</summary>
    public Task<RoomAck> JoinRoomAsync(string room) =>
        (_connection ?? throw new InvalidOperationException($"{_name} is not connected")).InvokeAsync<RoomAck>(ClientMethods.JoinRoom, room, _disposed.Token);

    public static Task<ResumingClient> ConnectAsync(string name, Uri hubUrl, string token) => ConnectAsync(name, () => hubUrl, token);

    /// <summary>Connects, each time (the first and every reconnect) to the hub <paramref name="hubUrl"/> names then, as through a load balancer.</summary>
    public static async Task<ResumingClient> ConnectAsync(string name, Func<Uri> hubUrl, string token)
    {
        var client = new ResumingClient(name, hubUrl, token);
        await client.StartConnectionAsync(resume: false);
        return client;
    }

    /// <summary>Waits (bounded) until a change with <paramref name="text"/> was applied.</summary>
    public async Task WaitForAsync(string text, Func<string> diagnostics)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!Changes.Any(change => change.Text == text))
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token); // poll interval of a bounded wait
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException(
                    $"{_name}: no change \"{text}\" within {Patience.TotalSeconds} s; applied: {string.Join(", ", Changes.Select(change => change.Text))}; " +
                    $"closes: {string.Join(" | ", CloseErrors)}{Environment.NewLine}{diagnostics()}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await _reconnecting.ContinueWith(_ => { }, TaskScheduler.Default);
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
        _disposed.Dispose();
    }

    private async Task StartConnectionAsync(bool resume)
    {
        var connection = TestHubConnections.Build(_hubUrl(), _token);
        connection.On<JsonElement>(ClientEvents.ChangedDocument, OnLive);
        connection.Closed += error => OnClosed(connection, error);
        lock (_gate)
        {
            _buffered = resume ? [] : null;
        }
        _connection = connection;
        try
        {
            await connection.StartAsync(_disposed.Token).WaitAsync(Patience);
            if (resume)
            {
                await ResumeAsync(connection);
            }
        }
        catch
        {
            _connection = null;
            await connection.DisposeAsync();
            throw;
        }
    }

    private void OnLive(JsonElement payload)
    {
        lock (_gate)
        {
            if (_buffered is { } buffered)
            {
                buffered.Add(payload.Clone());
            }
            else
            {
                Apply(payload);
            }
        }
    }

    private Task OnClosed(HubConnection connection, Exception? error)
    {
        if (_disposed.IsCancellationRequested || error is null || connection != _connection)
        {
            return Task.CompletedTask;
        }
        lock (_gate)
        {
            _closeErrors.Add(error.Message);
        }
        _reconnecting = ReconnectAsync(connection);
        return Task.CompletedTask;
    }

    /// <summary>Connects again (the gateway may refuse while Redis is still away) and resumes, bounded.</summary>
    private async Task ReconnectAsync(HubConnection closed)
    {
        await closed.DisposeAsync();
        var deadline = DateTime.UtcNow + Patience;
        while (!_disposed.IsCancellationRequested)
        {
            try
            {
                await StartConnectionAsync(resume: true);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !_disposed.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None); // pause between attempts
            }
        }
    }

    private async Task ResumeAsync(HubConnection connection)
    {
        (long Seq, string Epoch)? from;
        lock (_gate)
        {
            from = _position;
        }
        while (from is { } position)
        {
            var answer = await connection.InvokeAsync<ResumeResult>(ClientMethods.Resume, position.Seq, position.Epoch, _disposed.Token);
            lock (_gate)
            {
                if (answer.Reload)
                {
                    _reloads++;
                }
                foreach (var missed in answer.Events.Where(missed => missed.Name == ClientEvents.ChangedDocument))
                {
                    Apply(missed.Payload);
                }
                _position = (answer.HeadSeq, answer.Epoch);
            }
            from = answer.More ? (answer.HeadSeq, answer.Epoch) : null;
        }
        lock (_gate)
        {
            foreach (var payload in _buffered ?? [])
            {
                Apply(payload);
            }
            _buffered = null;
        }
    }

    /// <summary>Under the gate: applies an event unless it was applied already.</summary>
    private void Apply(JsonElement payload)
    {
        if (!_applied.Add(payload.GetProperty("eventId").GetString()!))
        {
            return;
        }
        var change = DocumentChange.Of(payload);
        _changes.Add(change);
        if (_position is not { } position || position.Epoch != change.Epoch || position.Seq < change.Seq)
        {
            _position = (change.Seq, change.Epoch);
        }
    }
}

/// <summary>A <c>CHANGED_DOCUMENT</c> as a client applied it: the text written, and its position.</summary>
internal sealed record DocumentChange(string Text, long Seq, string Epoch)
{
    public static DocumentChange Of(JsonElement payload) =>
        new(payload.GetProperty("data").GetProperty("text").GetString()!, payload.GetProperty("seq").GetInt64(), payload.GetProperty("epoch").GetString()!);
}
