using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>Two gateway processes sharing one event queue and the Redis backplane.</summary>
public sealed class TwoGatewayStack : RoomcastStack
{
    // One prefix for both instances of this stack; stacks of other test classes share this Redis.
    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";

    protected override int GatewayCount => 2;

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.FromEnvironment().Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
    };
}

/// <summary>
/// Scale-out: whichever instance consumes an event, every reader connected to any instance
/// receives it, exactly once.
/// </summary>
public sealed class ScaleOutDeliveryTests(TwoGatewayStack stack) : IClassFixture<TwoGatewayStack>, IAsyncLifetime
{
    private const int Updates = 20;
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task EveryReaderOnEitherInstanceReceivesEveryEventExactlyOnceAndInOrder()
    {
        var inboxes = new List<EventInbox>
        {
            await ConnectAsync(World.Carol, gateway: 0, "carol on instance A"),
            await ConnectAsync(World.Carol, gateway: 1, "carol on instance B"),
            await ConnectAsync(World.Alice, gateway: 1, "alice (admin) on instance B"),
        };
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        for (var update = 1; update <= Updates; update++)
        {
            using var response = await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = $"update {update}" } });
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        foreach (var inbox in inboxes)
        {
            var eventIds = new List<Guid>();
            var texts = new List<string>();
            while (texts.Distinct().Count() < Updates)
            {
                var received = await inbox.NextAsync();
                received.Name.ShouldBe(ClientEvents.ChangedDocument, inbox.Name);
                eventIds.Add(received.Payload.GetProperty("eventId").GetGuid());
                texts.Add(received.Payload.GetProperty("data").GetProperty("text").GetString()!);
            }

            eventIds.Count.ShouldBe(Updates, $"{inbox.Name} received an event twice");
            eventIds.Distinct().Count().ShouldBe(Updates, inbox.Name);
            texts.ShouldBe(Enumerable.Range(1, Updates).Select(update => $"update {update}"), $"{inbox.Name} received the changes out of order");
        }

        // After a last change everyone reads, nothing more may be pending: no late duplicate of the twenty.
        using var alice = stack.DocumentsClient(await stack.LoginAsync(World.Alice));
        (await alice.PutAsJsonAsync($"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = "fence" } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var inbox in inboxes)
        {
            (await inbox.NextAsync()).Id.ShouldBe(World.NoticeDocument, $"{inbox.Name} received something else before the fence");
        }
    }

    private async Task<EventInbox> ConnectAsync(Guid user, int gateway, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user), gateway);
        _connections.Add(connection);
        return new EventInbox(connection, name, () => stack.Logs);
    }

}
