using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.EndToEndTests.SignalR;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// Missed events: a client that was away calls <c>Resume(lastSeq, epoch)</c>, on either instance, and gets what
/// its rooms missed, each once and in seq order — or is told to reload when the history no longer
/// holds the gap.
/// </summary>
[Collection(HistoryCollection.Name)]
public sealed class ResumeTests(HistoryStack stack) : IAsyncLifetime
{
    private const int Away = 100;
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AClientAwayWhileAHundredEventsPassResumesOnTheOtherInstanceAndGetsEachOnceInOrder()
    {
        var watchers = new[] { await ConnectAsync(World.Alice, gateway: 0, "alice (admin) on A"), await ConnectAsync(World.Alice, gateway: 1, "alice (admin) on B") };
        var carol = await stack.ConnectAsync(await stack.LoginAsync(World.Carol), gateway: 0);
        var carolInbox = new EventInbox(carol, "carol on A", () => stack.Logs);
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));

        await UpdatePlanAsync(bob, "before");
        var (lastSeq, epoch) = Position(await carolInbox.NextAsync());
        await carol.DisposeAsync();

        for (var update = 1; update <= Away; update++)
        {
            await UpdatePlanAsync(bob, $"away {update}");
        }
        // Once a watcher has all of them, all of them are in the history (an event is appended before it is sent).
        var seen = new List<List<ReceivedEvent>>();
        foreach (var watcher in watchers)
        {
            seen.Add(await ReceiveAsync(watcher, Away + 1));
        }

        var back = await stack.ConnectAsync(await stack.LoginAsync(World.Carol), gateway: 1);
        _connections.Add(back);
        var resumed = await back.InvokeAsync<ResumeResult>(ClientMethods.Resume, lastSeq, epoch);

        resumed.Reload.ShouldBeFalse(resumed.Reason);
        resumed.Events.Select(missed => missed.Name).ShouldAllBe(name => name == ClientEvents.ChangedDocument);
        resumed.Events.Select(missed => missed.Payload.GetProperty("data").GetProperty("text").GetString())
            .ShouldBe(Enumerable.Range(1, Away).Select(update => $"away {update}"), "the resumed events are each missed change once, in order");
        var seqs = resumed.Events.Select(missed => missed.Payload.GetProperty("seq").GetInt64()).ToList();
        seqs.ShouldBe(seqs.Order().Distinct(), "seq rises strictly");
        seqs[0].ShouldBeGreaterThan(lastSeq);
        resumed.HeadSeq.ShouldBeGreaterThanOrEqualTo(seqs[^1]);
        // The resumed events are the very ones delivered live: same event ids, same seqs.
        var live = seen[0].Skip(1).ToList();
        resumed.Events.Select(missed => missed.Payload.GetProperty("eventId").GetGuid()).ShouldBe(live.Select(received => received.Payload.GetProperty("eventId").GetGuid()));
        seqs.ShouldBe(live.Select(Seq));
    }

    [Fact]
    public async Task SeqRisesStrictlyForEveryClientWhicheverInstanceItIsOn()
    {
        var inboxes = new[] { await ConnectAsync(World.Carol, gateway: 0, "carol on A"), await ConnectAsync(World.Carol, gateway: 1, "carol on B") };
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        using var alice = stack.DocumentsClient(await stack.LoginAsync(World.Alice));
        for (var update = 1; update <= 10; update++)
        {
            // Two documents in two roots, so the events come from different records.
            await UpdatePlanAsync(bob, $"plan {update}");
            (await alice.PutAsJsonAsync($"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = $"notice {update}" } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        foreach (var inbox in inboxes)
        {
            var seqs = (await ReceiveAsync(inbox, 20)).Select(Seq).ToList();
            for (var i = 1; i < seqs.Count; i++)
            {
                seqs[i].ShouldBeGreaterThan(seqs[i - 1], $"{inbox.Name}: seq {seqs[i]} came after {seqs[i - 1]}");
            }
        }
    }

    [Fact]
    public async Task AClientAwayLongerThanTheHistoryReachesIsToldToReloadAndCanResumeFromTheHeadAfterwards()
    {
        var watcher = await ConnectAsync(World.Alice, gateway: 1, "alice (admin) on B");
        var carol = await stack.ConnectAsync(await stack.LoginAsync(World.Carol), gateway: 1);
        var carolInbox = new EventInbox(carol, "carol on B", () => stack.Logs);
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));

        await UpdatePlanAsync(bob, "before");
        var (lastSeq, epoch) = Position(await carolInbox.NextAsync());
        await carol.DisposeAsync();
        var passing = HistoryStack.HistorySize + 2;
        for (var update = 1; update <= passing; update++)
        {
            await UpdatePlanAsync(bob, $"long away {update}");
        }
        var last = (await ReceiveAsync(watcher, passing + 1))[^1];

        var back = await stack.ConnectAsync(await stack.LoginAsync(World.Carol), gateway: 0);
        _connections.Add(back);
        var resumed = await back.InvokeAsync<ResumeResult>(ClientMethods.Resume, lastSeq, epoch);

        resumed.Reload.ShouldBeTrue("the history keeps fewer events than passed while carol was away");
        resumed.Reason.ShouldNotBeNullOrWhiteSpace();
        resumed.Events.ShouldBeEmpty("a reload answer is never a partial answer");
        resumed.HeadSeq.ShouldBeGreaterThanOrEqualTo(Seq(last));

        // After reloading, the head of that answer is a valid point to resume from.
        var again = await back.InvokeAsync<ResumeResult>(ClientMethods.Resume, resumed.HeadSeq, resumed.Epoch);
        again.Reload.ShouldBeFalse(again.Reason);
        again.Events.ShouldBeEmpty();
    }

    [Fact]
    public async Task ResumeWithoutAPositionIsRefusedWithAReason()
    {
        var carol = await stack.ConnectAsync(await stack.LoginAsync(World.Carol), gateway: 0);
        _connections.Add(carol);

        var negative = await Should.ThrowAsync<HubException>(() => carol.InvokeAsync<ResumeResult>(ClientMethods.Resume, -1L, "3f9a2c"));
        var withoutEpoch = await Should.ThrowAsync<HubException>(() => carol.InvokeAsync<ResumeResult>(ClientMethods.Resume, 5L, ""));

        negative.Message.ShouldContain("lastSeq");
        withoutEpoch.Message.ShouldContain("epoch");
    }

    [Fact]
    public async Task AUserHoldingAsManyConnectionsAsAllowedIsRefusedOneMoreWithTheReason()
    {
        var token = await stack.LoginAsync(World.Dave);
        var joined = $"of user {World.Dave} joined";
        var joinedBefore = Occurrences(stack.Gateways[1].Output, joined);
        for (var held = 0; held < HistoryStack.ConnectionsPerUser; held++)
        {
            _connections.Add(await stack.ConnectAsync(token, gateway: 1));
        }
        // A started connection may not be registered yet (the hub sees it after the handshake): the one
        // more must meet all of them.
        await Poll.UntilAsync(() => Task.FromResult(Occurrences(stack.Gateways[1].Output, joined) >= joinedBefore + HistoryStack.ConnectionsPerUser),
            $"the gateway registering dave's {HistoryStack.ConnectionsPerUser} connections");

        // SignalR completes the handshake before the hub sees the connection; the refusal closes it with the reason.
        var oneMore = TestHubConnections.Build(stack.HubUrlOf(1), token);
        _connections.Add(oneMore);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        oneMore.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        await oneMore.StartAsync();
        var refusal = await closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        _connections.Add(await stack.ConnectAsync(token, gateway: 0));

        refusal.ShouldNotBeNull().Message.ShouldContain($"holds {HistoryStack.ConnectionsPerUser} connections");
    }

    private static int Occurrences(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static long Seq(ReceivedEvent received) => received.Payload.GetProperty("seq").GetInt64();

    private static (long Seq, string Epoch) Position(ReceivedEvent received) => (Seq(received), received.Payload.GetProperty("epoch").GetString()!);

    private async Task UpdatePlanAsync(HttpClient bob, string text)
    {
        using var response = await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private async Task<EventInbox> ConnectAsync(Guid user, int gateway, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user), gateway);
        _connections.Add(connection);
        return new EventInbox(connection, name, () => stack.Logs);
    }

    private async Task<List<ReceivedEvent>> ReceiveAsync(EventInbox inbox, int count)
    {
        var received = new List<ReceivedEvent>(count);
        while (received.Count < count)
        {
            received.Add(await inbox.NextAsync());
        }
        return received;
    }

}
