using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Rooms;
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

    [Fact]
    public async Task AnEventAnnouncedInTheLayoutOfAnOlderConsumerStillReachesItsReaders()
    {
        // During a rolling upgrade the consumer may still be an instance from before layout 2.
        var carol = await ConnectAsync(World.Carol, gateway: 1, "carol on instance B");
        var eventId = Guid.NewGuid();
        var message = $$"""{"type":1,"target":"{{ClientEvents.ChangedDocument}}","arguments":[{"id":"{{World.PlanDocument}}","data":{"text":"from an older consumer"},"updatedAt":"2026-11-22T18:00:00+00:00","version":1,"eventId":"{{eventId}}","seq":1}]}""" + "";

        await using (var redis = await ConnectionMultiplexer.ConnectAsync(TestStackSettings.FromEnvironment().Redis))
        {
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal($"{stack.ChannelPrefix}:audience"), LegacyAnnouncement("an-instance-from-before", eventId, [RoomName.User(World.Carol).ToString()], Encoding.UTF8.GetBytes(message)));
        }

        var received = await carol.NextAsync();
        received.Name.ShouldBe(ClientEvents.ChangedDocument);
        received.Payload.GetProperty("eventId").GetGuid().ShouldBe(eventId);
        received.Payload.GetProperty("data").GetProperty("text").GetString().ShouldBe("from an older consumer");
    }

    /// <summary>An announcement as gateways wrote it before layout 2: version 1, origin, event id, rooms, no connection to skip, the message per protocol.</summary>
    private static byte[] LegacyAnnouncement(string origin, Guid eventId, string[] rooms, byte[] json)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)1);
            writer.Write(origin);
            writer.Write(eventId.ToByteArray());
            writer.Write7BitEncodedInt(rooms.Length);
            foreach (var room in rooms)
            {
                writer.Write(room);
            }
            writer.Write(false);
            writer.Write7BitEncodedInt(1);
            writer.Write("json");
            writer.Write7BitEncodedInt(json.Length);
            writer.Write(json);
        }
        return stream.ToArray();
    }

    private async Task<EventInbox> ConnectAsync(Guid user, int gateway, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user), gateway);
        _connections.Add(connection);
        return new EventInbox(connection, name, () => stack.Logs);
    }

}
