using System.Net;
using System.Net.Http.Json;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.Gateway.Tests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>Two gateway processes on a redis-server of their own that keeps its data, which a test kills and starts again.</summary>
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
        ["BackplaneGap__ReconnectWindow"] = "00:00:00.500",
    };

    async Task IAsyncLifetime.InitializeAsync()
    {
        _redis = await RedisServerProcess.StartAsync(keepsData: true);
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
/// redis-server killed and started again (with its data) while documents change. Every event's client
/// seq comes from the history in Redis, so while Redis is down events wait on the bus (the consumer
/// retries) rather than reach anyone without a seq. Both instances lost their Redis subscription, so
/// whatever was announced meanwhile never reached them: each tells its clients to reconnect
/// (<see cref="CloseReasons.MissedEvents"/>), and a client that does what the contract asks ends with
/// every change exactly once, in order, live or by <c>Resume</c>.
/// </summary>
public sealed class RedisRestartTests(RestartableRedisStack stack) : IClassFixture<RestartableRedisStack>
{
    private DemoWorld World => stack.World;

    [Fact]
    public async Task AfterARedisRestartEveryClientIsToldToResumeAndEndsWithEveryChangeOnceInOrder()
    {
        // Gateway 0 started first, so it holds the shared queue's single active consumer: it consumes every event.
        var token = await stack.LoginAsync(World.Carol);
        await using var onConsumer = await ResumingClient.ConnectAsync("carol on the consuming instance", stack.HubUrlOf(0), token);
        await using var onOther = await ResumingClient.ConnectAsync("carol on the other instance", stack.HubUrlOf(1), token);
        ResumingClient[] clients = [onConsumer, onOther];
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        var sent = new List<string>();

        await PutAsync(bob, "before", sent);
        foreach (var client in clients)
        {
            await client.WaitForAsync("before", () => stack.Logs);
        }

        await stack.Redis.KillAsync();
        // documents-api commits without Redis; the event waits on the bus until it can be sequenced.
        await PutAsync(bob, "during", sent);
        await stack.Redis.StartAgainAsync();

        await PutAsync(bob, "after", sent);
        foreach (var client in clients)
        {
            await client.WaitForAsync("after", () => stack.Logs);
        }

        foreach (var (client, name) in new[] { (onConsumer, "the consuming instance's client"), (onOther, "the other instance's client") })
        {
            client.Changes.Select(change => change.Text).ShouldBe(sent, $"{name} gets every change exactly once, in order, live or by Resume");
            client.Changes.Select(change => change.Seq).ShouldBeInOrder(SortDirection.Ascending);
            client.CloseErrors.ShouldNotBeEmpty($"{name} was not told to reconnect after its instance lost its subscription");
            client.CloseErrors.ShouldAllBe(error => error.Contains(CloseReasons.MissedEvents), name);
            client.Reloads.ShouldBe(0, $"Redis kept its history: {name} need not reload");
        }
    }

    private async Task PutAsync(HttpClient bob, string text, List<string> sent)
    {
        using var response = await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        sent.Add(text);
    }
}
