using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.EndToEndTests.SignalR;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>One gateway without Redis: room counts are those of its own connections, same messages.</summary>
public sealed class ConnectedClientsWithoutBackplaneTests(RoomcastStack stack) : IClassFixture<RoomcastStack>, IAsyncLifetime
{
    private readonly ClientConnections _connections = new();
    private readonly ClientConnections _bobs = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _bobs.DisposeAsync();
        await _connections.DisposeAsync();
    }

    [Fact]
    public async Task AnAdminGetsTheInstancesCountsAndAnUpdateWhenAClientLeaves()
    {
        var world = stack.World;
        var bob = TestHubConnections.Build(stack.HubUrl, await stack.LoginAsync(world.Bob));
        _bobs.Add(bob);
        await bob.StartAsync();

        var connection = TestHubConnections.Build(stack.HubUrl, await stack.LoginAsync(world.Alice));
        var view = new RoomCountsView(new HubMessageInbox(connection, "alice (admin)", ClientEvents.ConnectedClients));
        _connections.Add(connection);
        await connection.StartAsync();

        var full = await view.FullAsync();
        full["all"].ShouldBe(2);
        full["admin"].ShouldBe(1);
        full[$"user:{world.Bob:D}"].ShouldBe(1);

        await _bobs.DisposeAsync();
        await view.UntilAsync(view => view.Count("all") == 1 && view.Count($"user:{world.Bob:D}") == 0, "bob gone", () => stack.Logs);
    }
}
