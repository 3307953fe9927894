using Roomcast.Gateway.Tests.Infrastructure;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary>
/// SignalR's lifetime-manager semantics, written once and run against one, two and three instances on
/// a real Redis, each instance as the gateway builds it (SignalR's Redis backplane inside Roomcast's
/// <c>LocalConnectionsLifetimeManager</c>). Connections are spread over the instances; every send
/// starts on the first instance, so with more than one instance it reaches the others only through the
/// backplane. A message a connection must not receive is checked with a fence: a later message to
/// everyone, which it receives alone. Sends on different channels (a group and everyone) may arrive in
/// either order, so a connection due both is checked for both in any order.
/// </summary>
public abstract class HubLifetimeManagerSpecification : IAsyncLifetime
{
    private BackplaneCluster _cluster = null!;

    /// <summary>How many gateway instances the specification runs against.</summary>
    protected abstract int Instances { get; }

    private int Last => Instances - 1;

    public async Task InitializeAsync() => _cluster = await BackplaneCluster.StartAsync(Instances);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SendToAllReachesEveryConnectionOnEveryInstance()
    {
        var connections = await ConnectOnEveryInstanceAsync("c");

        await _cluster[0].SendAllAsync("Hello", ["everyone"]);

        foreach (var connection in connections)
        {
            (await connection.NextAsync()).ShouldBe(new Received("Hello", "everyone"));
        }
    }

    [Fact]
    public async Task SendToAllExceptSkipsOnlyTheExcludedConnections()
    {
        var connections = await ConnectOnEveryInstanceAsync("c");
        var excluded = await _cluster.ConnectAsync(Last, "excluded");

        await _cluster[0].SendAllExceptAsync("Hello", ["not you"], [excluded.ConnectionId]);
        await _cluster[0].SendAllAsync("Hello", ["fence"]);

        foreach (var connection in connections)
        {
            await connection.ShouldReceiveAsync("not you");
        }
        await excluded.ShouldReceiveAsync("fence");
    }

    [Fact]
    public async Task SendToAConnectionReachesThatConnectionOnlyFromAnyInstance()
    {
        var target = await _cluster.ConnectAsync(Last, "target");
        var bystander = await _cluster.ConnectAsync(Last, "bystander");

        for (var from = 0; from < Instances; from++)
        {
            await _cluster[from].SendConnectionAsync(target.ConnectionId, "Direct", [$"from {from}"]);
            await target.ShouldReceiveAsync($"from {from}");
        }
        await _cluster[0].SendAllAsync("Hello", ["fence"]);
        await bystander.ShouldReceiveAsync("fence");
    }

    [Fact]
    public async Task SendToConnectionsReachesEachNamedConnection()
    {
        var connections = await ConnectOnEveryInstanceAsync("named");
        var bystander = await _cluster.ConnectAsync(Last, "bystander");
        var ids = connections.Select(connection => connection.ConnectionId).ToList();

        await _cluster[0].SendConnectionsAsync(ids, "Direct", ["named"]);
        await _cluster[0].SendAllAsync("Hello", ["fence"]);

        foreach (var connection in connections)
        {
            await connection.ShouldReceiveAllAsync("named", "fence");
        }
        await bystander.ShouldReceiveAsync("fence");
    }

    [Fact]
    public async Task SendToAGroupReachesItsMembersOnEveryInstanceAndNobodyElse()
    {
        var members = await ConnectOnEveryInstanceAsync("member");
        var outsider = await _cluster.ConnectAsync(Last, "outsider");
        foreach (var member in members)
        {
            await _cluster[0].AddToGroupAsync(member.ConnectionId, "room");
        }

        await _cluster[0].SendGroupAsync("room", "Group", ["members only"]);
        await _cluster[0].SendAllAsync("Hello", ["fence"]);

        foreach (var member in members)
        {
            await member.ShouldReceiveAllAsync("members only", "fence");
        }
        await outsider.ShouldReceiveAsync("fence");
    }

    [Fact]
    public async Task SendToGroupsReachesTheMembersOfEachGroup()
    {
        var red = await _cluster.ConnectAsync(Last, "red");
        var blue = await _cluster.ConnectAsync(0, "blue");
        var green = await _cluster.ConnectAsync(Last, "green");
        await _cluster[0].AddToGroupAsync(red.ConnectionId, "red");
        await _cluster[0].AddToGroupAsync(blue.ConnectionId, "blue");
        await _cluster[0].AddToGroupAsync(green.ConnectionId, "green");

        await _cluster[0].SendGroupsAsync(["red", "blue"], "Group", ["red or blue"]);
        await _cluster[0].SendAllAsync("Hello", ["fence"]);

        await red.ShouldReceiveAllAsync("red or blue", "fence");
        await blue.ShouldReceiveAllAsync("red or blue", "fence");
        await green.ShouldReceiveAsync("fence");
    }

    [Fact]
    public async Task SendToAGroupExceptSkipsTheExcludedMembers()
    {
        var members = await ConnectOnEveryInstanceAsync("member");
        var excluded = await _cluster.ConnectAsync(Last, "excluded");
        foreach (var member in members.Append(excluded))
        {
            await _cluster[0].AddToGroupAsync(member.ConnectionId, "room");
        }

        await _cluster[0].SendGroupExceptAsync("room", "Group", ["not you"], [excluded.ConnectionId]);
        await _cluster[0].SendAllAsync("Hello", ["fence"]);

        foreach (var member in members)
        {
            await member.ShouldReceiveAllAsync("not you", "fence");
        }
        await excluded.ShouldReceiveAsync("fence");
    }

    [Fact]
    public async Task SendToAUserReachesEachOfItsConnectionsOnEveryInstance()
    {
        var alice = new List<TestConnection>();
        for (var index = 0; index < Instances; index++)
        {
            alice.Add(await _cluster.ConnectAsync(index, $"alice-{index}", userId: "alice"));
        }
        var bob = await _cluster.ConnectAsync(Last, "bob", userId: "bob");

        await _cluster[0].SendUserAsync("alice", "User", ["for alice"]);
        await _cluster[0].SendAllAsync("Hello", ["fence"]);

        foreach (var connection in alice)
        {
            await connection.ShouldReceiveAllAsync("for alice", "fence");
        }
        await bob.ShouldReceiveAsync("fence");
    }

    [Fact]
    public async Task SendToUsersReachesEveryNamedUser()
    {
        var alice = await _cluster.ConnectAsync(0, "alice", userId: "alice");
        var bob = await _cluster.ConnectAsync(Last, "bob", userId: "bob");
        var carol = await _cluster.ConnectAsync(Last, "carol", userId: "carol");

        await _cluster[0].SendUsersAsync(["alice", "bob"], "User", ["for alice and bob"]);
        await _cluster[0].SendAllAsync("Hello", ["fence"]);

        await alice.ShouldReceiveAllAsync("for alice and bob", "fence");
        await bob.ShouldReceiveAllAsync("for alice and bob", "fence");
        await carol.ShouldReceiveAsync("fence");
    }

    [Fact]
    public async Task AddingAConnectionOfAnyInstanceToAGroupHasTakenEffectWhenTheCallCompletes()
    {
        var member = await _cluster.ConnectAsync(Last, "member");

        await _cluster[0].AddToGroupAsync(member.ConnectionId, "room");
        await _cluster[0].SendGroupAsync("room", "Group", ["at once"]);

        await member.ShouldReceiveAsync("at once");
    }

    [Fact]
    public async Task ARemovedConnectionNoLongerReceivesTheGroupsMessages()
    {
        var leaving = await _cluster.ConnectAsync(Last, "leaving");
        var staying = await _cluster.ConnectAsync(Last, "staying");
        await _cluster[0].AddToGroupAsync(leaving.ConnectionId, "room");
        await _cluster[0].AddToGroupAsync(staying.ConnectionId, "room");

        await _cluster[0].RemoveFromGroupAsync(leaving.ConnectionId, "room");
        await _cluster[0].SendGroupAsync("room", "Group", ["after the removal"]);
        await _cluster[0].SendAllAsync("Hello", ["fence"]);

        await staying.ShouldReceiveAllAsync("after the removal", "fence");
        await leaving.ShouldReceiveAsync("fence");
    }

    [Fact]
    public async Task ADisconnectedConnectionReceivesNothingMoreAndTheOthersCarryOn()
    {
        var leaving = await _cluster.ConnectAsync(Last, "leaving", userId: "alice");
        var staying = await _cluster.ConnectAsync(Last, "staying", userId: "alice");
        await _cluster[0].AddToGroupAsync(leaving.ConnectionId, "room");
        await _cluster[0].AddToGroupAsync(staying.ConnectionId, "room");

        await _cluster[Last].OnDisconnectedAsync(leaving);
        await _cluster[0].SendGroupAsync("room", "Group", ["group"]);
        await _cluster[0].SendUserAsync("alice", "User", ["user"]);
        await _cluster[0].SendConnectionAsync(leaving.ConnectionId, "Direct", ["direct"]);
        await _cluster[0].SendAllAsync("Hello", ["all"]);

        await staying.ShouldReceiveAllAsync("group", "user", "all");
        // Each send above reached this instance, which wrote it to its connections at once.
        leaving.Pending.ShouldBe(0, "a disconnected connection is written to no more");
    }

    [Fact]
    public async Task OneConnectionWhoseWritesFailNeverKeepsAMessageFromTheOthers()
    {
        var broken = new List<TestConnection>();
        for (var index = 0; index < Instances; index++)
        {
            broken.Add(await _cluster.ConnectAsync(index, $"broken-{index}", userId: "alice", failWrites: true));
        }
        var healthy = await ConnectOnEveryInstanceAsync("healthy", userId: "alice");
        foreach (var connection in broken.Concat(healthy))
        {
            await _cluster[0].AddToGroupAsync(connection.ConnectionId, "room");
        }

        await _cluster[0].SendAllAsync("Hello", ["all"]);
        await _cluster[0].SendGroupAsync("room", "Group", ["group"]);
        await _cluster[0].SendUserAsync("alice", "User", ["user"]);
        await _cluster[0].SendConnectionsAsync([.. broken.Concat(healthy).Select(connection => connection.ConnectionId)], "Direct", ["direct"]);

        foreach (var connection in healthy)
        {
            await connection.ShouldReceiveAllAsync("all", "group", "user", "direct");
        }
    }

    private async Task<List<TestConnection>> ConnectOnEveryInstanceAsync(string name, string? userId = null)
    {
        var connections = new List<TestConnection>();
        for (var index = 0; index < Instances; index++)
        {
            connections.Add(await _cluster.ConnectAsync(index, $"{name}-{index}", userId));
        }
        return connections;
    }
}

public sealed class OneInstanceHubLifetimeManagerTests : HubLifetimeManagerSpecification
{
    protected override int Instances => 1;
}

public sealed class TwoInstancesHubLifetimeManagerTests : HubLifetimeManagerSpecification
{
    protected override int Instances => 2;
}

public sealed class ThreeInstancesHubLifetimeManagerTests : HubLifetimeManagerSpecification
{
    protected override int Instances => 3;
}
