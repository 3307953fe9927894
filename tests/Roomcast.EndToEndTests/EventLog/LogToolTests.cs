using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.EventLog;

/// <summary>roomcast-log run as an operator runs it, against the real services: list, tail -f, show, and its refusals.</summary>
[Collection(EventLogCollection.Name)]
public sealed class LogToolTests(EventLogStack stack) : IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AChangeShowsUpInTailAndListAndShowTellsItsSeqAndThatItWasDelivered()
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(World.Carol));
        _connections.Add(connection);
        var carol = new ClientInbox(connection, "carol");
        await using var tail = LogTool.Start(stack, "tail", "-f", "--json", "--record", World.PlanDocument.ToString(), "--interval", "1");
        await tail.FollowingAsync();

        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        (await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = "seen by the tool" } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var received = await carol.NextAsync();

        // tail starts with the record's recent events, then follows: the change arrives among the lines.
        var tailed = new List<Guid>();
        while (!tailed.Contains(received.EventId))
        {
            tailed.Add(JsonSerializer.Deserialize<JsonElement>(await tail.NextLineAsync()).GetProperty("eventId").GetGuid());
        }

        var list = await LogTool.RunAsync(stack, "list", "--json", "--record", World.PlanDocument.ToString(), "--actor", World.Bob.ToString());
        list.ExitCode.ShouldBe(0, list.Errors);
        var listed = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<JsonElement>(line)).ToList();
        listed.ShouldContain(entry => entry.GetProperty("eventId").GetGuid() == received.EventId, list.Output);

        var table = await LogTool.RunAsync(stack, "list", "--service", "documents-api", "--record", World.PlanDocument.ToString());
        table.ExitCode.ShouldBe(0, table.Errors);
        table.Output.ShouldContain($"event {received.EventId}");

        // The gateway marks an event delivered once its delivery completed, a moment after the client has it.
        LogTool.Result shown = null!;
        await Poll.UntilAsync(async () => (shown = await LogTool.RunAsync(stack, "show", received.EventId.ToString())).Output.Contains("state        delivered", StringComparison.Ordinal),
            "roomcast-log show says delivered", context: () => shown.Output + shown.Errors);
        shown.ExitCode.ShouldBe(0, shown.Errors);
        shown.Output.ShouldContain($"seq          {received.Seq} in epoch");
        shown.Output.ShouldContain("\"text\": \"seen by the tool\"");
        shown.Output.ShouldContain("dead letters  none");
    }

    [Fact]
    public async Task WhyTellsWhetherTheAudienceIncludedAUserAndWhetherAConnectionOfTheirsIsInIt()
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(World.Carol));
        _connections.Add(connection);
        var carol = new ClientInbox(connection, "carol");
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        (await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = "why" } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var received = await carol.NextAsync();

        var forCarol = await LogTool.RunAsync(stack, "why", received.EventId.ToString(), "--user", World.Carol.ToString());
        forCarol.ExitCode.ShouldBe(0, forCarol.Errors);
        forCarol.Output.ShouldContain($"=> included, by user:{World.Carol}");
        forCarol.Output.ShouldContain("1 of theirs on");
        forCarol.Output.ShouldContain($"{connection.ConnectionId}: in user:{World.Carol}");

        var forDave = await LogTool.RunAsync(stack, "why", received.EventId.ToString(), "--user", World.Dave.ToString());
        forDave.ExitCode.ShouldBe(0, forDave.Errors);
        forDave.Output.ShouldContain("=> included only through a root room a connection of theirs joined");
        forDave.Output.ShouldContain("0 of theirs on");
    }

    [Fact]
    public async Task ReplayCopiesTheEventsInOrderIntoAQueueOfOursAndNeverIntoRoomcastsOwn()
    {
        using var alice = stack.DocumentsClient(await stack.LoginAsync(World.Alice));
        for (var change = 0; change < 3; change++)
        {
            (await alice.PutAsJsonAsync($"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = $"replayed {change}" } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var logged = await LogTool.RunAsync(stack, "list", "--json", "--record", World.NoticeDocument.ToString());
        var expected = logged.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<JsonElement>(line).GetProperty("eventId").GetGuid()).ToList();
        expected.Count.ShouldBeGreaterThanOrEqualTo(3, logged.Output + logged.Errors);

        using var bus = new Gateway.BusManagement(stack.VirtualHost);
        var queue = $"debug.replay-{Guid.NewGuid():N}";
        await bus.DeclareQueueAsync(queue);
        var replay = await LogTool.RunAsync(stack, "replay", "--queue", queue, "--record", World.NoticeDocument.ToString());
        replay.ExitCode.ShouldBe(0, replay.Errors);
        replay.Errors.ShouldContain($"copied {expected.Count} event(s) to {queue}");

        var copies = (await bus.PeekAsync(queue, 50)).Select(body => JsonSerializer.Deserialize<JsonElement>(body)).ToList();
        copies.Select(copy => copy.GetProperty("message").GetProperty("eventId").GetGuid()).ShouldBe(expected, "the copies are the events, in order");
        copies.ShouldAllBe(copy => copy.GetProperty("headers").GetProperty("Roomcast-Replay").GetBoolean());
        copies.ShouldAllBe(copy => copy.GetProperty("messageType")[0].GetString() == "urn:message:roomcast:events:document-changed");

        var refused = await LogTool.RunAsync(stack, "replay", "--queue", "realtime-gateway.events", "--record", World.NoticeDocument.ToString());
        refused.ExitCode.ShouldBe(1);
        refused.Errors.ShouldContain("422 invalid-values");
        var missing = await LogTool.RunAsync(stack, "replay", "--queue", $"debug.none-{Guid.NewGuid():N}", "--record", World.NoticeDocument.ToString());
        missing.ExitCode.ShouldBe(1);
        missing.Errors.ShouldContain("declare it first");
        await bus.DeleteQueueAsync(queue);
    }

    [Fact]
    public async Task ANonAdminIsRefusedWithTheProblemSaidInOneLine()
    {
        var result = await LogTool.RunAsync(stack, "list", "--token", await stack.LoginAsync(World.Bob));
        result.ExitCode.ShouldBe(1, result.Output);
        result.Errors.ShouldContain("refused GET /api/v1/admin/event-log/events");
        result.Errors.ShouldContain("403 forbidden: Only admins may read the event log.");
    }

    [Fact]
    public async Task AnUnknownEventAndAMisusedOptionAreSaidPlainly()
    {
        var unknown = await LogTool.RunAsync(stack, "show", Guid.NewGuid().ToString());
        unknown.ExitCode.ShouldBe(1);
        unknown.Errors.ShouldContain("No event");

        var misused = await LogTool.RunAsync(stack, "list", "--after", "5");
        misused.ExitCode.ShouldBe(2);
        misused.Errors.ShouldContain("--after is a position in one service's log: give --service too.");
    }
}
