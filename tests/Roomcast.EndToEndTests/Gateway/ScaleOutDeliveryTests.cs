using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.DocumentsApi;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>Two gateway processes sharing one event queue and the Redis backplane.</summary>
public sealed class TwoGatewayStack : RoomcastStack
{
    // One prefix for both instances of this stack; stacks of other test classes share this Redis.
    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";

    protected override int GatewayCount => 2;

    /// <summary>The backplane's channel prefix, shared by both instances.</summary>
    public string ChannelPrefix => _channelPrefix;

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.Current.Redis,
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

    [Fact]
    public async Task AConnectionThatNeverReadsDelaysNobodyElse()
    {
        // dave may read a document that bob changes by megabytes, on both instances, and reads nothing.
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        var drafts = await bob.CreateRootIdAsync("Drafts");
        await bob.GrantAsync(drafts, World.Dave, "RO");
        var draft = await bob.CreateDocumentIdAsync(drafts);
        var daveToken = await stack.LoginAsync(World.Dave);
        await using var stuckOnA = await NeverReadingClient.ConnectAsync(stack.HubUrlOf(0), daveToken);
        await using var stuckOnB = await NeverReadingClient.ConnectAsync(stack.HubUrlOf(1), daveToken);
        foreach (var gateway in stack.Gateways)
        {
            await Poll.UntilAsync(() => Task.FromResult(gateway.Output.Contains($"of user {World.Dave} joined", StringComparison.Ordinal)), $"dave's connection to {gateway.Name} joining its rooms");
        }
        var carolOnA = await ConnectAsync(World.Carol, gateway: 0, "carol on instance A");
        var carolOnB = await ConnectAsync(World.Carol, gateway: 1, "carol on instance B");

        var large = new string('x', 900_000);
        for (var update = 1; update <= 12; update++)
        {
            (await bob.SendAsync(HttpMethod.Put, $"/api/v1/documents/{draft}", new { data = new { text = $"{update} {large}" } })).ShouldBe(HttpStatusCode.OK);
        }
        var sent = Stopwatch.StartNew();
        for (var update = 1; update <= 5; update++)
        {
            (await bob.SendAsync(HttpMethod.Put, $"/api/v1/documents/{World.PlanDocument}", new { data = new { text = $"small {update}" } })).ShouldBe(HttpStatusCode.OK);
        }

        // SignalR gives up on a transport send after 10 s (TransportSendTimeout) and closes that
        // connection: a send path that waits for dave's sockets delivers carol's changes only then.
        foreach (var carol in new[] { carolOnA, carolOnB })
        {
            var texts = new List<string>();
            while (texts.Count < 5)
            {
                var received = await carol.NextAsync();
                received.Id.ShouldBe(World.PlanDocument, carol.Name);
                texts.Add(received.Payload.GetProperty("data").GetProperty("text").GetString()!);
            }
            texts.ShouldBe(Enumerable.Range(1, 5).Select(update => $"small {update}"), carol.Name);
        }
        sent.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), "carol's changes waited for the connections that never read");
    }

    private async Task<EventInbox> ConnectAsync(Guid user, int gateway, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user), gateway);
        _connections.Add(connection);
        return new EventInbox(connection, name, () => stack.Logs);
    }

}
