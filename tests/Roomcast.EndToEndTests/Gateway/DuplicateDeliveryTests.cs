using System.Diagnostics;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Rooms;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// At least once on the bus, exactly once to the client: an event published twice reaches a client
/// once, and a message that can never be handled ends in the error queue (one no consumer takes, in the
/// skipped queue) without holding up the events behind it. The test publishes onto the bus itself, through RabbitMQ's management API.
/// </summary>
[Collection(HistoryCollection.Name)]
public sealed class DuplicateDeliveryTests(HistoryStack stack) : IAsyncLifetime
{
    private const string ErrorQueue = "realtime-gateway.events_error";
    private const string SkippedQueue = "realtime-gateway.events_skipped";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ClientConnections _connections = new();
    private readonly BusManagement _bus = new(stack.VirtualHost);

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _bus.Dispose();
        await _connections.DisposeAsync();
    }

    [Fact]
    public async Task AnEventPublishedTwiceReachesTheClientOnce()
    {
        var carol = await ConnectAsync(World.Carol, gateway: 1, "carol on B");
        var duplicated = Guid.NewGuid();
        var fence = Guid.NewGuid();

        await _bus.PublishBobsPlanEditAsync(World, duplicated, "once", RoomName.User(World.Carol).ToString());
        await _bus.PublishBobsPlanEditAsync(World, duplicated, "once", RoomName.User(World.Carol).ToString());
        await _bus.PublishBobsPlanEditAsync(World, fence, "fence", RoomName.User(World.Carol).ToString());

        var first = await carol.NextAsync();
        first.Payload.GetProperty("eventId").GetGuid().ShouldBe(duplicated);
        // The queue is consumed in order: the fence comes after both copies, so a second copy would be here first.
        var next = await carol.NextAsync();
        next.Payload.GetProperty("eventId").GetGuid().ShouldBe(fence, "the second copy of the event reached carol");
        next.Payload.GetProperty("seq").GetInt64().ShouldBeGreaterThan(first.Payload.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task AMessageThatCannotBeHandledEndsInTheErrorQueueAndTheNextEventStillArrives()
    {
        var carol = await ConnectAsync(World.Carol, gateway: 0, "carol on A");
        var poison = Guid.NewGuid();
        var after = Guid.NewGuid();

        // A room outside the grammar: the event cannot even be read, however often it is tried.
        await _bus.PublishBobsPlanEditAsync(World, poison, "poison", "no-such-room");
        await _bus.PublishBobsPlanEditAsync(World, after, "after the poison", RoomName.User(World.Carol).ToString());

        (await carol.NextAsync()).Payload.GetProperty("eventId").GetGuid().ShouldBe(after);
        await Poll.UntilAsync(async () => (await _bus.PeekAsync(ErrorQueue, 50)).Any(body => body.Contains(poison.ToString(), StringComparison.OrdinalIgnoreCase)),
            $"the poison message is in {ErrorQueue}", Patience, () => stack.Logs);
        await Poll.UntilAsync(() => Task.FromResult(stack.Logs.Contains($"Message {poison} on realtime-gateway.events failed after its retries", StringComparison.Ordinal)),
            "the gateway logged the dead-lettered message", Patience, () => stack.Logs);
    }

    [Fact]
    public async Task AMessageNoConsumerTakesIsSkippedWithoutHoldingUpTheEventsBehindIt()
    {
        var carol = await ConnectAsync(World.Carol, gateway: 0, "carol on A");
        var unknown = Guid.NewGuid();
        var after = Guid.NewGuid();

        // Several events are in flight at once, each waiting for the ones delivered before it: a message
        // that no consumer takes must still end its turn, or every event behind it would wait forever.
        await _bus.PublishAsync(BusManagement.DocumentChangedExchange, "roomcast:events:no-such-event", unknown, new { eventId = unknown });
        await _bus.PublishBobsPlanEditAsync(World, after, "after the unknown message", RoomName.User(World.Carol).ToString());

        (await carol.NextAsync()).Payload.GetProperty("eventId").GetGuid().ShouldBe(after);
        await Poll.UntilAsync(async () => (await _bus.PeekAsync(SkippedQueue, 50)).Any(body => body.Contains(unknown.ToString(), StringComparison.OrdinalIgnoreCase)),
            $"the unknown message is in {SkippedQueue}", Patience, () => stack.Logs);
    }

    private async Task<EventInbox> ConnectAsync(Guid user, int gateway, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user), gateway);
        _connections.Add(connection);
        return new EventInbox(connection, name, () => stack.Logs);
    }

}
