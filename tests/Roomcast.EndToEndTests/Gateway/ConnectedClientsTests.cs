using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.EndToEndTests.SignalR;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>Two gateway processes on one Redis, with the census on short timings for tests.</summary>
public class CensusStack : RoomcastStack
{
    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";

    public static TimeSpan HeartbeatInterval { get; } = TimeSpan.FromMilliseconds(250);

    public static TimeSpan InstanceTimeout { get; } = TimeSpan.FromSeconds(3);

    /// <summary>The coalescing window of this stack's gateways.</summary>
    public virtual TimeSpan UpdateInterval => TimeSpan.FromMilliseconds(250);

    protected override int GatewayCount => 2;

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.Current.Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
        ["Presence__UpdateInterval"] = UpdateInterval.ToString("c"),
        ["Presence__HeartbeatInterval"] = HeartbeatInterval.ToString("c"),
        ["Presence__InstanceTimeout"] = InstanceTimeout.ToString("c"),
        ["Presence__RoomKinds"] = "group,root,admin",
    };

    /// <summary>Opens a connection of <paramref name="user"/> to one gateway, listening for <paramref name="clientEvents"/> from the start.</summary>
    public async Task<HubMessageInbox> ConnectAsync(ClientConnections connections, string accessToken, int gateway, string name, params string[] clientEvents)
    {
        var connection = TestHubConnections.Build(HubUrlOf(gateway), accessToken);
        var inbox = new HubMessageInbox(connection, name, clientEvents);
        connections.Add(connection);
        await connection.StartAsync();
        return inbox;
    }
}

/// <summary>The count view of one admin connection: the last <c>full</c> list with every <c>update</c> since applied.</summary>
public sealed class RoomCountsView(HubMessageInbox inbox)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public int Updates { get; private set; }

    public int Count(string room) => _counts.GetValueOrDefault(room);

    /// <summary>Reads messages until <paramref name="done"/> holds for the view; fails after a bounded wait with what it saw.</summary>
    public async Task UntilAsync(Func<RoomCountsView, bool> done, string what, Func<string> logs)
    {
        var deadline = Stopwatch.StartNew();
        while (!done(this))
        {
            var remaining = Patience - deadline.Elapsed;
            try
            {
                Apply(await inbox.NextAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1)));
            }
            catch (TimeoutException timeout)
            {
                throw new TimeoutException(
                    $"{inbox.Name} never saw {what}; its counts: {JsonSerializer.Serialize(_counts)}{Environment.NewLine}{logs()}", timeout);
            }
        }
    }

    /// <summary>The next message, which must be a <c>full</c> list; applied and returned.</summary>
    public async Task<IReadOnlyDictionary<string, int>> FullAsync()
    {
        var received = await inbox.NextAsync(Patience);
        received.Type.ShouldBe(ConnectedClientsMessage.Full, $"{inbox.Name}'s first CONNECTED_CLIENTS");
        Apply(received);
        return new Dictionary<string, int>(_counts);
    }

    private void Apply(ReceivedEvent received)
    {
        received.Name.ShouldBe(ClientEvents.ConnectedClients);
        var rooms = received.Payload.GetProperty("rooms").EnumerateObject().ToDictionary(room => room.Name, room => room.Value.GetInt32());
        if (received.Type == ConnectedClientsMessage.Full)
        {
            _counts.Clear();
        }
        else
        {
            received.Type.ShouldBe(ConnectedClientsMessage.Update);
            Updates++;
        }
        foreach (var (room, count) in rooms)
        {
            if (count == 0)
            {
                _counts.Remove(room);
            }
            else
            {
                _counts[room] = count;
            }
        }
    }
}

/// <summary>The census on a longer coalescing window, so a burst of connections shows as few updates.</summary>
public sealed class CoalescingCensusStack : CensusStack
{
    public override TimeSpan UpdateInterval => TimeSpan.FromSeconds(1);
}

/// <summary><c>CONNECTED_CLIENTS</c>: room → live connections over both instances, a full list on entering <c>admin</c>, coalesced updates after.</summary>
public sealed class ConnectedClientsTests(CoalescingCensusStack stack, ITestOutputHelper output) : IClassFixture<CoalescingCensusStack>, IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AnAdminGetsTheFullListOfBothInstancesOnConnectThenUpdates()
    {
        await ConnectAsync(World.Bob, gateway: 0, "bob on A");
        await ConnectAsync(World.Carol, gateway: 1, "carol on B");
        await ConnectAsync(World.Dave, gateway: 1, "dave on B");

        // A first admin's view settles on everyone: instance A's census has then heard instance B.
        var watcher = new RoomCountsView(await ConnectAsync(World.Alice, gateway: 0, "alice (admin) on A"));
        await watcher.UntilAsync(
            view => view.Count("all") == 4 && view.Count(User(World.Carol)) == 1 && view.Count(User(World.Dave)) == 1 && view.Count(User(World.Bob)) == 1,
            "bob, carol, dave and herself", () => stack.Logs);

        var second = new RoomCountsView(await ConnectAsync(World.Alice, gateway: 0, "alice's second tab on A"));
        var full = await second.FullAsync();

        full["all"].ShouldBe(5);
        full["admin"].ShouldBe(2);
        full[User(World.Alice)].ShouldBe(2);
        full[User(World.Bob)].ShouldBe(1);
        full[User(World.Carol)].ShouldBe(1, "carol is on the other instance");
        full[User(World.Dave)].ShouldBe(1, "dave is on the other instance");
        await watcher.UntilAsync(view => view.Count("all") == 5 && view.Count("admin") == 2, "alice's second tab", () => stack.Logs);

        // An admin on the other instance gets the same picture.
        var onB = new RoomCountsView(await ConnectAsync(World.Alice, gateway: 1, "alice's third tab on B"));
        var fullOnB = await onB.FullAsync();
        fullOnB["all"].ShouldBe(6);
        fullOnB[User(World.Alice)].ShouldBe(3);
        fullOnB[User(World.Bob)].ShouldBe(1);
    }

    [Fact]
    public async Task ABurstOfConnectionsOnBothInstancesArrivesAsFewUpdatesWithTheRightFinalCounts()
    {
        const int PerInstance = 20;
        const int Closed = 10;
        var watcher = new RoomCountsView(await ConnectAsync(World.Alice, gateway: 0, "alice (admin) on A"));
        await watcher.UntilAsync(view => view.Count("all") == 1 && view.Count("admin") == 1, "only herself", () => stack.Logs);
        var updatesBefore = watcher.Updates;

        var carolToken = await stack.LoginAsync(World.Carol);
        var bobToken = await stack.LoginAsync(World.Bob);
        var carols = new List<HubConnection>();
        await Task.WhenAll(Enumerable.Range(0, PerInstance).SelectMany(index => new[]
        {
            OpenAsync(carolToken, gateway: 1, carols),
            OpenAsync(bobToken, gateway: 0, connections: null),
        }));
        foreach (var carol in carols.Take(Closed))
        {
            await carol.DisposeAsync();
        }

        await watcher.UntilAsync(
            view => view.Count("all") == 1 + 2 * PerInstance - Closed
                && view.Count(User(World.Carol)) == PerInstance - Closed
                && view.Count(User(World.Bob)) == PerInstance,
            $"{PerInstance} of bob, {PerInstance - Closed} of carol", () => stack.Logs);

        var changes = 2 * PerInstance + Closed;
        var updates = watcher.Updates - updatesBefore;
        output.WriteLine($"[census] {changes} connection changes on two instances reached the admin as {updates} updates");
        updates.ShouldBeLessThan(changes / 2, "updates are coalesced per interval, not sent per connection");
    }

    private async Task OpenAsync(string accessToken, int gateway, List<HubConnection>? connections)
    {
        var connection = TestHubConnections.Build(stack.HubUrlOf(gateway), accessToken);
        _connections.Add(connection);
        await connection.StartAsync();
        if (connections is not null)
        {
            lock (connections)
            {
                connections.Add(connection);
            }
        }
    }

    private async Task<HubMessageInbox> ConnectAsync(Guid user, int gateway, string name) =>
        await stack.ConnectAsync(_connections, await stack.LoginAsync(user), gateway, name, ClientEvents.ConnectedClients);

    private static string User(Guid user) => $"user:{user:D}";
}

/// <summary>A gateway process that dies without a word: its connections leave the counts after the instance timeout.</summary>
public sealed class ConnectedClientsAfterAGatewayDiesTests(CensusStack stack, ITestOutputHelper output) : IClassFixture<CensusStack>, IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task TheConnectionsOfAKilledGatewayLeaveTheCountsAfterTheInstanceTimeout()
    {
        var world = stack.World;
        var watcher = new RoomCountsView(await stack.ConnectAsync(_connections, await stack.LoginAsync(world.Alice), 0, "alice (admin) on A", ClientEvents.ConnectedClients));
        for (var tab = 0; tab < 3; tab++)
        {
            await stack.ConnectAsync(_connections, await stack.LoginAsync(world.Carol), 1, $"carol tab {tab} on B");
        }
        var carol = $"user:{world.Carol:D}";
        await watcher.UntilAsync(view => view.Count(carol) == 3 && view.Count("all") == 4, "carol's three tabs on B", () => stack.Logs);

        // Idle but alive, instance B must stay counted well past the timeout: its heartbeats keep it. The
        // passing of time is what is tested here; a fresh admin's full list then shows what A holds.
        await Task.Delay(CensusStack.InstanceTimeout * 2);
        var late = new RoomCountsView(await stack.ConnectAsync(_connections, await stack.LoginAsync(world.Alice), 0, "alice's late tab on A", ClientEvents.ConnectedClients));
        (await late.FullAsync())[carol].ShouldBe(3, "a live instance was dropped while idle");
        await watcher.UntilAsync(view => view.Count("all") == 5, "alice's late tab", () => stack.Logs);

        var sinceKill = Stopwatch.StartNew();
        await stack.Gateways[1].KillAsync();
        await watcher.UntilAsync(view => view.Count(carol) == 0 && view.Count("all") == 2, "carol's tabs gone with instance B", () => stack.Logs);
        sinceKill.Stop();

        output.WriteLine($"[census] a killed instance's connections left the counts {sinceKill.ElapsedMilliseconds} ms after the kill (timeout {CensusStack.InstanceTimeout})");
        sinceKill.Elapsed.ShouldBeGreaterThan(CensusStack.InstanceTimeout - CensusStack.HeartbeatInterval - TimeSpan.FromMilliseconds(100),
            "nothing told instance A before the timeout");
        watcher.Counts.ShouldBe(new Dictionary<string, int> { ["all"] = 2, ["admin"] = 2, [$"user:{world.Alice:D}"] = 2 }, ignoreOrder: true);
    }
}
