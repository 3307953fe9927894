using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.EndToEndTests.SignalR;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// The gateways' redis-server comes back from an older snapshot, as after a restore from backup or the
/// promotion of a replica that had not received the latest writes: its seq counter is behind positions
/// clients already hold. No seq may be handed out twice, and a client holding a position of before is
/// told to reload rather than silently skip what follows.
/// </summary>
public sealed class RedisRollbackTests(RestartableRedisStack stack) : IClassFixture<RestartableRedisStack>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task ARedisBackFromAnOlderSnapshotNeverHandsOutASeqTwiceAndClientsOfBeforeAreToldToReload()
    {
        // Gateway 0 started first, so it consumes every event and gives every seq.
        var carol = await ConnectAsync(World.Carol, gateway: 0);
        var inbox = new EventInbox(carol, "carol on the consuming instance", () => stack.Logs);
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));

        await PutAsync(bob, "kept");
        var kept = Change.Of((await inbox.NextAsync()).Payload);
        await stack.Redis.SaveSnapshotAsync("after-kept");
        await PutAsync(bob, "lost 1");
        await PutAsync(bob, "lost 2");
        var lost = new[] { Change.Of((await inbox.NextAsync()).Payload), Change.Of((await inbox.NextAsync()).Payload) };
        lost.Select(change => change.Text).ShouldBe(["lost 1", "lost 2"]);
        var held = lost[^1];

        await stack.Redis.RestartFromSnapshotAsync("after-kept");
        await PutAsync(bob, "after");

        // Ask from a fresh connection each time: the instance may close existing ones when its subscription comes back.
        Resumed? last = null;
        await Poll.UntilAsync(
            async () => (last = await ResumeAsync(held.Seq, held.Epoch)).Result is { } result && result.Epoch != held.Epoch,
            "the history numbering in a new epoch after the restore",
            Patience,
            () => $"the last answer was {last?.Describe()}{Environment.NewLine}{stack.Logs}");

        var fromHeld = last!.Result!;
        fromHeld.Reload.ShouldBeTrue("a position of the numbering before the restore was answered as if it were still valid");
        fromHeld.Reason.ShouldBe("the history numbers events anew since that position (another epoch: it was reset or went back to an older state): reload");
        fromHeld.HeadSeq.ShouldBeGreaterThan(held.Seq, "the restored counter handed out a seq a client already held");

        // From the new head the history is whole again. The new numbering may hold more than "after": an event
        // whose delivery was being marked when Redis went away is redelivered by the bus and, its dedupe record
        // gone with the rollback, numbered anew (at least once), before or after "after".
        var fromHead = (await ResumeAsync(fromHeld.HeadSeq, fromHeld.Epoch)).Result!;
        fromHead.Reload.ShouldBeFalse(fromHead.Reason);
        fromHead.Epoch.ShouldBe(fromHeld.Epoch);
        foreach (var change in fromHead.Events.Select(missed => Change.Of(missed.Payload)))
        {
            change.Epoch.ShouldBe(fromHeld.Epoch);
            change.Seq.ShouldBeGreaterThan(fromHeld.HeadSeq);
            change.Text.ShouldBeOneOf("lost 1", "lost 2", "after");
        }
        kept.Epoch.ShouldBe(held.Epoch);
    }

    [Fact]
    public async Task AConnectionMadeWhileRedisIsAwayIsRefusedWithAReasonToTryAgain()
    {
        var token = await stack.LoginAsync(World.Carol);
        await stack.Redis.KillAsync();
        try
        {
            // SignalR completes the handshake before the hub reads the user's groups from Redis; the refusal closes it.
            await using var refused = TestHubConnections.Build(stack.HubUrlOf(1), token);
            var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            refused.Closed += error =>
            {
                closed.TrySetResult(error);
                return Task.CompletedTask;
            };
            await refused.StartAsync().WaitAsync(Patience);
            var refusal = await closed.Task.WaitAsync(Patience);

            refusal.ShouldNotBeNull("the connection was closed without a reason").Message.ShouldContain(CloseReasons.GatewayUnavailable, Case.Sensitive, stack.Logs);
        }
        finally
        {
            await stack.Redis.StartAgainAsync();
        }
        // And once Redis is back, the same user connects.
        await Poll.UntilAsync(async () => (await ResumeAsync(0, "none")).Result is not null, "a connection after Redis is back", Patience);
    }

    private sealed record Change(string Text, long Seq, string Epoch)
    {
        public static Change Of(System.Text.Json.JsonElement payload) =>
            new(payload.GetProperty("data").GetProperty("text").GetString()!, payload.GetProperty("seq").GetInt64(), payload.GetProperty("epoch").GetString()!);
    }

    /// <summary>A resume answer, or why there was none (the stack may still be reconnecting to Redis).</summary>
    private sealed record Resumed(ResumeResult? Result, string? Failure)
    {
        public string Describe() => Result is { } result
            ? $"reload={result.Reload} ({result.Reason}), head {result.HeadSeq}, epoch {result.Epoch}, {result.Events.Count} events"
            : $"no answer: {Failure}";
    }

    private async Task<Resumed> ResumeAsync(long lastSeq, string epoch)
    {
        await using var connection = TestHubConnections.Build(stack.HubUrlOf(0), await stack.LoginAsync(World.Carol));
        try
        {
            await connection.StartAsync().WaitAsync(Patience);
            return new Resumed(await connection.InvokeAsync<ResumeResult>(ClientMethods.Resume, lastSeq, epoch).WaitAsync(Patience), null);
        }
        catch (Exception exception) when (exception is Microsoft.AspNetCore.SignalR.HubException or HttpRequestException or System.Net.WebSockets.WebSocketException or InvalidOperationException or TimeoutException)
        {
            return new Resumed(null, $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    private async Task<HubConnection> ConnectAsync(Guid user, int gateway)
    {
        var connection = TestHubConnections.Build(stack.HubUrlOf(gateway), await stack.LoginAsync(user));
        _connections.Add(connection);
        await connection.StartAsync().WaitAsync(Patience);
        return connection;
    }

    private async Task PutAsync(HttpClient bob, string text)
    {
        using var response = await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }
}
