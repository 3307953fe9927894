using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.SignalR;

namespace Roomcast.LoadGen;

/// <summary>
/// The run's SignalR connections: <see cref="LoadOptions.ConnectionsPerUser"/> per user, spread over
/// the gateways round-robin, each recording the run's <c>CHANGED_DOCUMENT</c>s in the ledger.
/// </summary>
public sealed class ClientFleet : IAsyncDisposable
{
    private readonly List<HubConnection> _connections = [];

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
        var connections = new HubConnection[Count];
        var opened = 0;
        await Parallel.ForAsync(0, Count, new ParallelOptions { MaxDegreeOfParallelism = options.ConnectConcurrency, CancellationToken = cancellationToken }, async (index, token) =>
        {
            var hub = new Uri(options.Gateways[GatewayOfConnection[index]], ClientMethods.HubPath);
            var connection = TestHubConnections.Build(hub, world.Users[UserOfConnection[index]].Token);
            var runId = options.RunId;
            connection.On<JsonElement>(ClientEvents.ChangedDocument, payload =>
            {
                var receivedAt = Stopwatch.GetTimestamp();
                if (payload.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                    && data.TryGetProperty("lg", out var run) && run.GetString() == runId
                    && data.TryGetProperty("n", out var n))
                {
                    ledger.Received(index, n.GetInt32(), receivedAt);
                }
            });
            await connection.StartAsync(token);
            connections[index] = connection;
            if (Interlocked.Increment(ref opened) % 1000 == 0)
            {
                progress(string.Create(CultureInfo.InvariantCulture, $"{opened} connections open ({opened / clock.Elapsed.TotalSeconds:0}/s)"));
            }
        });
        _connections.AddRange(connections);
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
        _connections.Clear();
    }
}
