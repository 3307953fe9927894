using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.EndToEndTests.SignalR;
using Roomcast.Gateway.Tests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>Two gateway processes on a redis-server of their own, which a test kills and starts again.</summary>
public sealed class RestartableRedisStack : RoomcastStack, IAsyncLifetime
{
    private readonly string _channelPrefix = $"e2e-restart-{Guid.NewGuid():N}";
    private RedisServerProcess? _redis;

    internal RedisServerProcess Redis => _redis ?? throw new InvalidOperationException("The stack has not started.");

    protected override int GatewayCount => 2;

    // Short timeouts and reconnect pauses, so the test sees the restart handled within its bounded waits.
    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = Redis.Endpoint,
        ["Redis__ChannelPrefix"] = _channelPrefix,
        ["Redis__CommandTimeout"] = "00:00:01",
        ["Redis__ReconnectMaxDelay"] = "00:00:00.500",
    };

    async Task IAsyncLifetime.InitializeAsync()
    {
        _redis = await RedisServerProcess.StartAsync();
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

/// <summary>
/// redis-server killed and started again while documents change. Every event's client seq comes from
/// the history in Redis, so while Redis is down events wait on the bus (the consumer retries) rather
/// than reach anyone without a seq; once Redis is back they are delivered, in order, exactly once; the
/// other instance hears live events again on its own, and a client that asks <c>Resume</c> about the
/// time before the restart (this redis-server restarts empty) is told to reload. The gateway processes and their clients' connections live through it all.
/// </summary>
public sealed class RedisRestartTests(RestartableRedisStack stack) : IClassFixture<RestartableRedisStack>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task EventsWaitOutAnOutageAndReachEveryClientOnceInOrderAfterARestartWithoutAGatewayRestart()
    {
        // Gateway 0 started first, so it holds the shared queue's single active consumer: it consumes every event.
        var (onConsumer, consumerConnection) = await ConnectAsync(World.Carol, gateway: 0, "carol on the consuming instance");
        var (onOther, otherConnection) = await ConnectAsync(World.Carol, gateway: 1, "carol on the other instance");
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));

        await PutAsync(bob, "before");
        (await ChangeAsync(onConsumer)).Text.ShouldBe("before");
        var lastSeenByOther = await ChangeAsync(onOther);
        lastSeenByOther.Text.ShouldBe("before");

        await stack.Redis.KillAsync();
        // documents-api commits without Redis; the event waits on the bus until it can be sequenced.
        await PutAsync(bob, "during");
        await stack.Redis.StartAgainAsync();

        // Pub/sub drops what is published before the other instance has subscribed again: change the
        // document until one change published after the restart reaches it live (bounded).
        var sent = new List<string> { "before", "during" };
        var otherLive = new List<Change>();
        var resumed = WaitForAsync(onOther, change => change.Text.StartsWith("after", StringComparison.Ordinal), otherLive);
        var clock = Stopwatch.StartNew();
        for (var after = 1; !resumed.IsCompleted; after++)
        {
            clock.Elapsed.ShouldBeLessThan(Patience, $"cross-instance delivery did not resume within {Patience.TotalSeconds} s of the restart{Environment.NewLine}{stack.Logs}");
            await PutAsync(bob, $"after {after}");
            sent.Add($"after {after}");
            await Task.WhenAny(resumed, Task.Delay(TimeSpan.FromMilliseconds(250)));
        }
        await resumed;

        await PutAsync(bob, "fence");
        sent.Add("fence");
        await WaitForAsync(onOther, change => change.Text == "fence", otherLive);
        var consumerLive = new List<Change>();
        await WaitForAsync(onConsumer, change => change.Text == "fence", consumerLive);

        consumerLive.Select(change => change.Text).ShouldBe(sent.Skip(1), "the consuming instance's client receives every change once, in order, through the outage");
        consumerLive.Select(change => change.Seq).ShouldBeInOrder(SortDirection.Ascending);
        otherLive.Select(change => change.Seq).Distinct().Count().ShouldBe(otherLive.Count, "the other instance's client received a change twice");

        // This redis-server restarts empty (no persistence), so the history of before the outage is gone:
        // Resume from the other client's last seq must say so (reload), never answer with a partial list.
        var missed = await otherConnection.InvokeAsync<ResumeResult>(ClientMethods.Resume, lastSeenByOther.Seq, lastSeenByOther.Epoch);
        missed.Reload.ShouldBeTrue($"Redis lost its history: a resume from before the outage cannot be complete, yet it answered {missed.Events.Count} events");
        missed.Reason.ShouldNotBeNullOrWhiteSpace();
        missed.Events.ShouldBeEmpty();
        // From the head it names, the history is whole again: the next change is resumable.
        await PutAsync(bob, "after the reload");
        await WaitForAsync(onOther, change => change.Text == "after the reload", otherLive);
        var fromHead = await otherConnection.InvokeAsync<ResumeResult>(ClientMethods.Resume, missed.HeadSeq, missed.Epoch);
        fromHead.Reload.ShouldBeFalse(fromHead.Reason);
        fromHead.Events.Select(missedEvent => Change.Of(missedEvent.Payload).Text).ShouldBe(["after the reload"]);

        // The same connections, opened before the outage: neither gateway restarted, no client had to reconnect.
        consumerConnection.State.ShouldBe(HubConnectionState.Connected);
        otherConnection.State.ShouldBe(HubConnectionState.Connected);
    }

    private sealed record Change(string Text, long Seq, string Epoch)
    {
        public static Change Of(System.Text.Json.JsonElement payload) =>
            new(payload.GetProperty("data").GetProperty("text").GetString()!, payload.GetProperty("seq").GetInt64(), payload.GetProperty("epoch").GetString()!);
    }

    private async Task<(EventInbox Inbox, HubConnection Connection)> ConnectAsync(Guid user, int gateway, string name)
    {
        var connection = TestHubConnections.Build(stack.HubUrlOf(gateway), await stack.LoginAsync(user));
        _connections.Add(connection);
        var inbox = new EventInbox(connection, name);
        await connection.StartAsync().WaitAsync(Patience);
        return (inbox, connection);
    }

    private async Task PutAsync(HttpClient bob, string text)
    {
        using var response = await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The next document change <paramref name="inbox"/> receives (bounded by the inbox's patience).</summary>
    private async Task<Change> ChangeAsync(EventInbox inbox)
    {
        ReceivedEvent received;
        try
        {
            received = await inbox.NextAsync();
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}{Environment.NewLine}{stack.Logs}", timeout);
        }
        received.Name.ShouldBe(ClientEvents.ChangedDocument, inbox.Name);
        return Change.Of(received.Payload);
    }

    /// <summary>Reads changes into <paramref name="received"/> until one matches <paramref name="wanted"/>.</summary>
    private async Task WaitForAsync(EventInbox inbox, Func<Change, bool> wanted, List<Change> received)
    {
        while (true)
        {
            var change = await ChangeAsync(inbox);
            received.Add(change);
            if (wanted(change))
            {
                return;
            }
        }
    }
}
