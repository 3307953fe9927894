using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.EndToEndTests.SignalR;
using Roomcast.Redis.Tests.Infrastructure;
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
/// redis-server killed and started again while documents change: the consuming instance goes on
/// delivering to its own clients, the other instance hears the events again once Redis is back, on
/// its own, and the gateway processes and their clients' connections live through it all.
/// </summary>
public sealed class RedisRestartTests(RestartableRedisStack stack) : IClassFixture<RestartableRedisStack>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task DeliveryGoesOnLocallyWhileRedisIsDownAndResumesAcrossInstancesOnItsOwnAfterARestart()
    {
        // Gateway 0 started first, so it holds the shared queue's single active consumer: it consumes every event.
        var (onConsumer, consumerConnection) = await ConnectAsync(World.Carol, gateway: 0, "carol on the consuming instance");
        var (onOther, otherConnection) = await ConnectAsync(World.Carol, gateway: 1, "carol on the other instance");
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));

        await PutAsync(bob, "before");
        (await TextAsync(onConsumer)).ShouldBe("before");
        (await TextAsync(onOther)).ShouldBe("before");

        await stack.Redis.KillAsync();

        // Local delivery does not wait for Redis, and neither does a new connection on either instance.
        await PutAsync(bob, "during");
        (await TextAsync(onConsumer)).ShouldBe("during", "the consuming instance delivers to its own clients while Redis is down");
        await ConnectAsync(World.Alice, gateway: 0, "alice on the consuming instance while Redis is down");
        await ConnectAsync(World.Alice, gateway: 1, "alice on the other instance while Redis is down");

        await stack.Redis.StartAgainAsync();

        // Pub/sub drops what is published before the other instance has subscribed again: change the
        // document until one change published after the restart reaches it (bounded).
        var sent = new List<string> { "before", "during" };
        var otherReceived = new List<string> { "before" };
        var resumed = WaitForTextAsync(onOther, text => text.StartsWith("after", StringComparison.Ordinal), otherReceived);
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
        await WaitForTextAsync(onOther, text => text == "fence", otherReceived);
        var consumerReceived = new List<string> { "before", "during" };
        await WaitForTextAsync(onConsumer, text => text == "fence", consumerReceived);

        consumerReceived.ShouldBe(sent, "the consuming instance's client receives every change once, in order, through the outage");
        otherReceived.Distinct().Count().ShouldBe(otherReceived.Count, "the other instance's client received a change twice");
        otherReceived.ShouldBe(sent.Where(otherReceived.Contains), "the other instance's client received changes out of order");
        // The same connections, opened before the outage: neither gateway restarted, no client had to reconnect.
        consumerConnection.State.ShouldBe(HubConnectionState.Connected);
        otherConnection.State.ShouldBe(HubConnectionState.Connected);
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

    /// <summary>The text of the next change <paramref name="inbox"/> receives (bounded by the inbox's patience).</summary>
    private async Task<string> TextAsync(EventInbox inbox)
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
        return received.Payload.GetProperty("data").GetProperty("text").GetString()!;
    }

    /// <summary>Reads changes into <paramref name="received"/> until one matches <paramref name="wanted"/>.</summary>
    private async Task WaitForTextAsync(EventInbox inbox, Func<string, bool> wanted, List<string> received)
    {
        while (true)
        {
            var text = await TextAsync(inbox);
            received.Add(text);
            if (wanted(text))
            {
                return;
            }
        }
    }
}
