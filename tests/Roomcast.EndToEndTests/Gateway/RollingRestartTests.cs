using System.Net;
using System.Runtime.CompilerServices;
using System.Net.Http.Json;
using System.Text.Json;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>Two gateway processes on the Redis backplane, draining quickly when sent SIGTERM.</summary>
public sealed class RollingRestartStack : RoomcastStack
{
    /// <summary>The window the closes of a draining instance are spread over: long enough to see it refuse and report not ready.</summary>
    public static readonly TimeSpan ReconnectWindow = TimeSpan.FromSeconds(3);

    private readonly string _channelPrefix = $"e2e-rolling-{Guid.NewGuid():N}";

    protected override int GatewayCount => 2;

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.Current.Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
        ["Drain__ReconnectWindow"] = ReconnectWindow.ToString("c"),
        ["Drain__Timeout"] = "00:00:15",
    };
}

/// <summary>
/// A rolling restart under a steady stream of document changes: each gateway in turn is replaced (a new
/// instance started, then the old one sent SIGTERM). The one sent SIGTERM refuses new connections and
/// reports itself not ready at once, hands its consumer turn on, tells its clients to reconnect
/// elsewhere (<see cref="CloseReasons.ServerShuttingDown"/>) and exits once they are gone. Clients that
/// reconnect through a "load balancer" (any instance in service) and <c>Resume</c> end with every change
/// exactly once, in order, and nothing is dead-lettered.
/// </summary>
public sealed class RollingRestartTests(RollingRestartStack stack) : IClassFixture<RollingRestartStack>
{
    private const string ErrorQueue = "realtime-gateway.events_error";
    /// <summary>
    /// The longest a gateway may take to exit by its own settings: the drain (at most the stack's
    /// <c>Drain__Timeout</c>, 15 s, from SIGTERM), then the host's shutdown (at most its default 30 s),
    /// and a margin for a loaded machine.
    /// </summary>
    private static readonly TimeSpan ExitPatience = TimeSpan.FromSeconds(15 + 30 + 10);
    private readonly Lock _gate = new();
    private readonly List<int> _inService = [0, 1];
    private int _next;

    private DemoWorld World => stack.World;

    [Fact]
    public async Task EveryClientEndsWithEveryChangeOnceInOrderWhileEachGatewayIsReplacedInTurn()
    {
        var token = await stack.LoginAsync(World.Carol);
        var clients = new List<ResumingClient>();
        try
        {
            // Two clients start on each instance; every reconnect goes wherever the balancer sends it.
            for (var client = 0; client < 4; client++)
            {
                var first = stack.HubUrlOf(client % 2);
                var connected = new StrongBox<bool>();
                Uri Route()
                {
                    if (connected.Value)
                    {
                        return Balance();
                    }
                    connected.Value = true;
                    return first;
                }
                clients.Add(await ResumingClient.ConnectAsync($"carol {client} (first on gateway {client % 2})", Route, token));
            }
            await RunAsync(clients);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private async Task RunAsync(List<ResumingClient> clients)
    {
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        var sent = new List<string>();
        using var stopWriting = new CancellationTokenSource();
        var writer = WriteAsync(bob, sent, stopWriting.Token);

        await WaitForAllAsync(clients, await WrittenAsync(sent, 5));

        // Gateway 0 started first: it consumes the shared queue. Each instance is replaced in turn.
        foreach (var old in new[] { 0, 1 })
        {
            var replacement = await stack.StartGatewayAsync();
            var before = Count(sent);
            lock (_gate)
            {
                _inService.Add(replacement);
                _inService.Remove(old);
            }
            await TerminateAndCheckRefusalsAsync(old);
            (await stack.Gateways[old].WaitForExitAsync(ExitPatience)).ShouldBe(0, $"gateway {old} exits cleanly after draining{Environment.NewLine}{stack.Logs}");
            stack.Gateways[old].Output.ShouldContain("Every connection is gone", Case.Sensitive, $"gateway {old} waited for its connections");
            await WaitForAllAsync(clients, await WrittenAsync(sent, before + 5));
        }
        stack.Gateways[0].Output.ShouldContain("it stopped consuming", Case.Sensitive, "the consuming instance handed its turn on");

        await stopWriting.CancelAsync();
        await writer;
        await WaitForAllAsync(clients, sent[^1]);

        for (var client = 0; client < clients.Count; client++)
        {
            var name = $"client {client}";
            clients[client].Changes.Select(change => change.Text).ShouldBe(sent, $"{name} gets every change exactly once, in order, live or by Resume{Environment.NewLine}{stack.Logs}");
            clients[client].Changes.Select(change => change.Seq).ShouldBeInOrder(SortDirection.Ascending, name);
            clients[client].CloseErrors.ShouldNotBeEmpty($"{name} was told to reconnect at least once (its first instance was replaced)");
            clients[client].CloseErrors.ShouldAllBe(error => error.Contains(CloseReasons.ServerShuttingDown), name);
            clients[client].Reloads.ShouldBe(0, $"{name} resumed from its position; nothing was lost to reload");
        }
        using var bus = new BusManagement(stack.VirtualHost);
        (await bus.PeekAsync(ErrorQueue, 10)).ShouldBeEmpty($"an event was dead-lettered during the rolling restart{Environment.NewLine}{stack.Logs}");
    }

    /// <summary>SIGTERM to <paramref name="gateway"/>; while it drains it is not ready and refuses a negotiation with the reason.</summary>
    private async Task TerminateAndCheckRefusalsAsync(int gateway)
    {
        var process = stack.Gateways[gateway];
        using var http = new HttpClient { BaseAddress = process.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await process.TerminateAsync();
        // The drain lasts at least the reconnect window: both answers come within it.
        await Poll.UntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
            $"gateway {gateway} reporting itself not ready once sent SIGTERM", context: () => process.Output);
        using var negotiate = await http.PostAsync($"{ClientMethods.HubPath}/negotiate?negotiateVersion=1", null);
        negotiate.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "a draining instance refuses a new connection at once");
        var problem = await negotiate.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("type").GetString().ShouldBe("https://roomcast.dev/problems/shutting-down");
        problem.GetProperty("detail").GetString().ShouldBe(CloseReasons.ServerShuttingDown);
    }

    /// <summary>Where the next connection goes: the instances in service, in turn.</summary>
    private Uri Balance()
    {
        lock (_gate)
        {
            return stack.HubUrlOf(_inService[_next++ % _inService.Count]);
        }
    }

    /// <summary>Bob changes the plan document, one change after another, until told to stop.</summary>
    private async Task WriteAsync(HttpClient bob, List<string> sent, CancellationToken stop)
    {
        for (var change = 1; !stop.IsCancellationRequested; change++)
        {
            var text = $"change {change}";
            using var response = await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text } }, CancellationToken.None);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            lock (sent)
            {
                sent.Add(text);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None); // the pace of the stream, not a wait for anything
        }
    }

    /// <summary>The text of the <paramref name="count"/>th change, once written.</summary>
    private static async Task<string> WrittenAsync(List<string> sent, int count)
    {
        await Poll.UntilAsync(() => Task.FromResult(Count(sent) >= count), $"{count} changes written", TimeSpan.FromSeconds(30));
        lock (sent)
        {
            return sent[count - 1];
        }
    }

    private static int Count(List<string> sent)
    {
        lock (sent)
        {
            return sent.Count;
        }
    }

    private async Task WaitForAllAsync(List<ResumingClient> clients, string text)
    {
        foreach (var client in clients)
        {
            await client.WaitForAsync(text, () => stack.Logs);
        }
    }
}
