using System.Diagnostics;
using System.Globalization;
using System.Text;
using Roomcast.Contracts.Client;

namespace Roomcast.LoadGen;

/// <summary>
/// The run's SignalR connections: <see cref="LoadOptions.ConnectionsPerUser"/> per user, spread over
/// the gateways round-robin, each recording the run's <c>CHANGED_DOCUMENT</c>s in the ledger. They are
/// <see cref="ListeningClient"/>s, pinged every <see cref="PingInterval"/> as SignalR clients must be.
/// </summary>
public sealed class ClientFleet : IAsyncDisposable
{
    /// <summary>Well inside the gateway's 30-s client timeout.</summary>
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    private readonly List<ListeningClient> _connections = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _pinging = Task.CompletedTask;
    private Fence? _fence;

    private ClientFleet(IReadOnlyList<int> userOfConnection, IReadOnlyList<int> gatewayOfConnection)
    {
        UserOfConnection = userOfConnection;
        GatewayOfConnection = gatewayOfConnection;
    }

    public IReadOnlyList<int> UserOfConnection { get; }

    public IReadOnlyList<int> GatewayOfConnection { get; }

    public int Count => UserOfConnection.Count;

    /// <summary>Which connection belongs to which user and gateway; connection i is user i mod users, so a user's connections land on different gateways.</summary>
    public static ClientFleet Plan(LoadOptions options)
    {
        var users = new int[options.Connections];
        var gateways = new int[options.Connections];
        for (var connection = 0; connection < options.Connections; connection++)
        {
            users[connection] = connection % options.Users;
            gateways[connection] = (connection + (connection / options.Users)) % options.Gateways.Count;
        }
        return new ClientFleet(users, gateways);
    }

    /// <summary>Opens every connection; returns how long it took.</summary>
    public async Task<TimeSpan> ConnectAsync(LoadOptions options, LoadWorld world, DeliveryLedger ledger, Action<string> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var connections = new ListeningClient[Count];
        var opened = 0;
        var runId = Encoding.UTF8.GetBytes(options.RunId);
        await Parallel.ForAsync(0, Count, new ParallelOptions { MaxDegreeOfParallelism = options.ConnectConcurrency, CancellationToken = cancellationToken }, async (index, token) =>
        {
            var hub = new Uri(options.Gateways[GatewayOfConnection[index]], ClientMethods.HubPath);
            connections[index] = await ListeningClient.ConnectAsync(hub, world.Users[UserOfConnection[index]].Token, (record, receivedAt) =>
            {
                switch (RunUpdateRecord.Read(record, runId, out var n, out var fence))
                {
                    case RunUpdateRecord.Kind.Update:
                        ledger.Received(index, n, receivedAt);
                        break;
                    case RunUpdateRecord.Kind.Fence when Volatile.Read(ref _fence) is { } awaited && fence == awaited.Id:
                        awaited.Received.TrySetResult();
                        break;
                }
            }, token);
            if (Interlocked.Increment(ref opened) % 1000 == 0)
            {
                progress(string.Create(CultureInfo.InvariantCulture, $"{opened} connections open ({opened / clock.Elapsed.TotalSeconds:0}/s)"));
            }
        });
        _connections.AddRange(connections);
        _pinging = PingAsync(_stopping.Token);
        return clock.Elapsed;
    }

    /// <summary>How many connections ended before the run did, and why the first of them did.</summary>
    public (int Count, string? FirstReason) EndedEarly()
    {
        var ended = _connections.Where(connection => connection.Ended is not null).ToList();
        return (ended.Count, ended.FirstOrDefault()?.Ended);
    }

    private async Task PingAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                foreach (var connection in _connections)
                {
                    await connection.PingAsync(stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Waits until the gateways have consumed every event published so far: <paramref name="backlog"/>
    /// (the setup's thousands of events: users, groups, memberships, grants; or the warm-up's updates),
    /// since measuring while they are still queued would time that backlog, not the load. Events are
    /// consumed in order, so once an update sent now (to root 0's document, <c>data = {lg, fence}</c>; not
    /// counted by the ledger) reaches a reader of root 0, everything before it has been consumed. Returns
    /// how long that took.
    /// </summary>
    public async Task<TimeSpan> WaitForQuietAsync(LoadOptions options, LoadWorld world, string backlog, Action<string> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var fence = new Fence(Guid.NewGuid().ToString("N"), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Volatile.Write(ref _fence, fence);
        using var http = RoomcastApi.Client(options.DocumentsApi);
        await new RoomcastApi(http).RequireAsync(HttpMethod.Put, $"/api/v1/documents/{world.Roots[0].DocumentId}",
            new { data = new { lg = options.RunId, fence = fence.Id } }, world.WriterToken, cancellationToken, System.Net.HttpStatusCode.OK);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.QuietSeconds));
        while (!fence.Received.Task.IsCompleted)
        {
            try
            {
                await fence.Received.Task.WaitAsync(TimeSpan.FromSeconds(5), timeout.Token);
            }
            catch (TimeoutException)
            {
                progress($"the gateways are still consuming {backlog} ({clock.Elapsed.TotalSeconds:0} s)");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The gateways did not consume {backlog} within {options.QuietSeconds} s (--quiet).");
            }
        }
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _pinging;
        _stopping.Dispose();
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
        _connections.Clear();
    }

    /// <summary>An update the fleet waits to receive, and the signal that it was.</summary>
    private sealed record Fence(string Id, TaskCompletionSource Received);
}
