using System.Net;
using System.Net.Http.Json;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// Two gateway processes on the shared Redis; instance 0, which starts first and so consumes the shared
/// queue, reaches Redis only through a <see cref="LoopbackForwarder"/> a test can sever.
/// </summary>
public sealed class SplitRedisStack : RoomcastStack, IAsyncLifetime
{
    private readonly string _channelPrefix = $"e2e-split-{Guid.NewGuid():N}";
    private LoopbackForwarder? _consumerLink;

    /// <summary>Instance 0's only way to Redis.</summary>
    public LoopbackForwarder ConsumerLink => _consumerLink ?? throw new InvalidOperationException("The stack has not started.");

    protected override int GatewayCount => 2;

    protected override Dictionary<string, string> GatewaySettingsOf(int instance) => new()
    {
        ["Redis__Endpoint"] = instance == 0 ? ConsumerLink.Endpoint : TestStackSettings.Current.Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
        // Short timeouts and reconnect pauses, so the cut and the mend are noticed within the test's bounded waits.
        ["Redis__CommandTimeout"] = "00:00:01",
        ["Redis__ReconnectMaxDelay"] = "00:00:00.500",
        // The shortest allowed: an endpoint stop that never completes is reported within the test's waits.
        ["Delivery__StopDeadline"] = "00:00:05",
    };

    async Task IAsyncLifetime.InitializeAsync()
    {
        _consumerLink = LoopbackForwarder.Start(TestStackSettings.Current.Redis, TimeSpan.FromMinutes(5));
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_consumerLink is not null)
        {
            await _consumerLink.DisposeAsync();
        }
    }
}

/// <summary>
/// Redis away from the consuming instance only: the other instance, which still reaches Redis, takes
/// the queue over and delivers every committed change, in order, once; nothing goes to the error queue;
/// and the cut-off instance takes its turn again once Redis answers it, or reports itself not live for a
/// restart when its endpoint cannot stop.
/// </summary>
public sealed class RedisAwayFromTheConsumerTests(SplitRedisStack stack) : IClassFixture<SplitRedisStack>, IAsyncLifetime
{
    private const string ErrorQueue = "realtime-gateway.events_error";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
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
    public async Task AnotherInstanceTakesOverTheQueueAndNoCommittedEventIsDeadLetteredAndTheCutOffInstanceRejoins()
    {
        var carol = await ConnectAsync(World.Carol, gateway: 1, "carol on the instance that keeps Redis");
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        await PutAsync(bob, "before");
        (await ChangeAsync(carol)).Text.ShouldBe("before");

        stack.ConsumerLink.Sever();
        var sent = Enumerable.Range(1, 5).Select(change => $"while cut off {change}").ToList();
        foreach (var text in sent)
        {
            await PutAsync(bob, text);
        }

        var received = new List<Change>();
        while (received.Count < sent.Count)
        {
            received.Add(await ChangeAsync(carol));
        }
        received.Select(change => change.Text).ShouldBe(sent, "carol receives every change made while the consumer was cut off from Redis, in order, once");
        received.Select(change => change.Seq).ShouldBeInOrder(SortDirection.Ascending);
        (await _bus.PeekAsync(ErrorQueue, 10)).ShouldBeEmpty($"a committed event was dead-lettered because Redis was away{Environment.NewLine}{stack.Logs}");

        stack.ConsumerLink.Restore();
        await PutAsync(bob, "fence");
        (await ChangeAsync(carol)).Text.ShouldBe("fence", "carol received a change twice");
        (await _bus.PeekAsync(ErrorQueue, 10)).ShouldBeEmpty(stack.Logs);

        // And the cut-off instance takes its turn again once Redis answers it, or, when its endpoint's stop is
        // held up by a delivery on the closed channel (rare, and not in our hands: ConsumerTurn), it says so
        // and reports itself not live past its stop deadline, so the orchestrator restarts it.
        // One test: only the first cut reaches the instance that started first while it consumes.
        using var http = new HttpClient { BaseAddress = stack.Gateways[0].BaseAddress };
        var output = () => stack.Gateways[0].Output;
        await Poll.UntilAsync(async () => Rejoined(output()) || (StopHeldUp(output()) && !await IsLiveAsync(http)),
            "the cut-off instance consuming again once Redis answers it, or reporting itself not live", Patience, () => stack.Logs);
        if (Rejoined(output()))
        {
            (await IsLiveAsync(http)).ShouldBeTrue("an instance that took its turn again is live");
        }
    }

    private static bool Rejoined(string output) => output.Contains("Redis answers this instance again; it consumes", StringComparison.Ordinal);

    private static bool StopHeldUp(string output) => output.Contains("Redis answers this instance again, but stopping", StringComparison.Ordinal);

    private static async Task<bool> IsLiveAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/live");
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.ServiceUnavailable => false,
            var other => throw new ShouldAssertException($"/health/live answered {other}"),
        };
    }

    private sealed record Change(string Text, long Seq);

    private async Task<EventInbox> ConnectAsync(Guid user, int gateway, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user), gateway);
        _connections.Add(connection);
        return new EventInbox(connection, name, () => stack.Logs);
    }

    private async Task PutAsync(HttpClient bob, string text)
    {
        using var response = await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<Change> ChangeAsync(EventInbox inbox)
    {
        var received = await inbox.NextAsync();
        received.Name.ShouldBe(ClientEvents.ChangedDocument, inbox.Name);
        return new Change(received.Payload.GetProperty("data").GetProperty("text").GetString()!, received.Payload.GetProperty("seq").GetInt64());
    }
}
