using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.EventLog;

/// <summary>
/// An admin's replay to one connection or user (<c>POST /api/v1/admin/replays</c>, <c>roomcast-log replay
/// --to-connection|--to-user</c>): the target gets the events again, flagged <c>replay: true</c>, in order,
/// and only where it is in their audience now; nobody else gets anything, and nothing is numbered.
/// </summary>
[Collection(EventLogCollection.Name)]
public sealed class ReplayTests(EventLogStack stack) : IAsyncLifetime
{
    private const string Replays = "/api/v1/admin/replays";
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task FiftyEventsReplayedToAConnectionArriveFlaggedAndInOrderThereAndNowhereElse()
    {
        var carolToken = await stack.LoginAsync(World.Carol);
        var target = await ConnectAsync(carolToken, "carol's target connection", gateway: 1); // the replay is asked of gateway 0
        var carolsOther = await ConnectAsync(carolToken, "carol's other connection");
        var bob = await ConnectAsync(await stack.LoginAsync(World.Bob), "bob");
        using var bobApi = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        for (var change = 0; change < 50; change++)
        {
            (await bobApi.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = $"replayed {change}" } })).EnsureSuccessStatusCode();
        }
        var live = await target.NextAsync(50);
        await carolsOther.NextAsync(50);
        await bob.NextAsync(50);
        live.Count(message => message.TryGetProperty(ClientReplay.Field, out _)).ShouldBe(0, "a live event carries no replay field");
        var eventIds = live.Select(message => message.GetProperty("eventId").GetGuid()).ToList();

        using var admin = AdminApi.Client(stack.Gateway.BaseAddress, await stack.LoginAsync(World.Alice));
        using var response = await admin.PostAsJsonAsync(Replays, new { connectionId = target.Connection.ConnectionId, eventIds });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        var outcome = JsonSerializer.Deserialize<JsonElement>(body);
        outcome.GetProperty("connections").EnumerateArray().Select(id => id.GetString()).ShouldBe([target.Connection.ConnectionId]);
        outcome.GetProperty("events").EnumerateArray().ShouldAllBe(replayed =>
            replayed.GetProperty("sentTo").GetArrayLength() == 1 && replayed.GetProperty("refused").GetArrayLength() == 0, body);

        var historyHeadBefore = (await AdminApi.GetOkAsync(admin, $"/api/v1/admin/events/{eventIds[^1]}")).GetProperty("historyHead").GetInt64();
        var replays = await target.NextAsync(50);
        replays.Select(message => message.GetProperty("eventId").GetGuid()).ShouldBe(eventIds, "in the order asked");
        replays.ShouldAllBe(message => message.GetProperty(ClientReplay.Field).GetBoolean());
        replays.Select(message => message.GetProperty("seq").GetInt64()).ShouldBe(live.Select(message => message.GetProperty("seq").GetInt64()), "as the history keeps them");

        // One more real change: every connection's next message is it, so nothing was replayed to the others
        // (a replay is written before it on the connection it went to) and the history did not move for replays.
        (await bobApi.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = "after the replay" } })).EnsureSuccessStatusCode();
        var after = (await target.NextAsync(1)).Single();
        after.TryGetProperty(ClientReplay.Field, out _).ShouldBeFalse();
        var afterId = after.GetProperty("eventId").GetGuid();
        (await carolsOther.NextAsync(1)).Single().GetProperty("eventId").GetGuid().ShouldBe(afterId, "carol's other connection got no replay");
        (await bob.NextAsync(1)).Single().GetProperty("eventId").GetGuid().ShouldBe(afterId, "bob got no replay");
        var trace = await AdminApi.GetOkAsync(admin, $"/api/v1/admin/events/{afterId}");
        trace.GetProperty("historyHead").GetInt64().ShouldBe(after.GetProperty("seq").GetInt64(), "nothing was appended after the real change");
        historyHeadBefore.ShouldBe(live[^1].GetProperty("seq").GetInt64(), "nothing was appended for the replays");
    }

    [Fact]
    public async Task OnlyAnAdminReplaysAndToALiveConnectionWithAValidRequest()
    {
        var someEvent = Guid.NewGuid();
        using var bob = AdminApi.Client(stack.Gateway.BaseAddress, await stack.LoginAsync(World.Bob));
        using (var forbidden = await bob.PostAsJsonAsync(Replays, new { userId = World.Carol, eventIds = new[] { someEvent } }))
        {
            await forbidden.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "https://roomcast.dev/problems/forbidden");
        }

        using var admin = AdminApi.Client(stack.Gateway.BaseAddress, await stack.LoginAsync(World.Alice));
        using (var unknown = await admin.PostAsJsonAsync(Replays, new { connectionId = "no-such-connection", eventIds = new[] { someEvent } }))
        {
            await unknown.ShouldBeProblemAsync(HttpStatusCode.NotFound, "https://roomcast.dev/problems/not-found");
        }
        using (var nobody = await admin.PostAsJsonAsync(Replays, new { userId = Guid.NewGuid(), eventIds = new[] { someEvent } }))
        {
            await nobody.ShouldBeProblemAsync(HttpStatusCode.NotFound, "https://roomcast.dev/problems/not-found");
        }
        using (var both = await admin.PostAsJsonAsync(Replays, new { connectionId = "x", userId = World.Carol, eventIds = new[] { someEvent } }))
        {
            await both.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "https://roomcast.dev/problems/invalid-values");
        }
        using (var none = await admin.PostAsJsonAsync(Replays, new { userId = World.Carol, eventIds = Array.Empty<Guid>() }))
        {
            await none.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "https://roomcast.dev/problems/invalid-values");
        }
    }

    [Fact]
    public async Task TheToolReplaysToAUserInTheAudienceAndRefusesAUserOutsideIt()
    {
        var carol = await ConnectAsync(await stack.LoginAsync(World.Carol), "carol");
        var dave = await ConnectAsync(await stack.LoginAsync(World.Dave), "dave");
        using var bobApi = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        using var documentsAdmin = AdminApi.Client(stack.Documents.BaseAddress, await stack.LoginAsync(World.Alice));
        var after = (await AdminApi.GetOkAsync(documentsAdmin, "/api/v1/admin/event-log/events?limit=1")).GetProperty("lastPosition").GetInt64().ToString();
        for (var change = 0; change < 3; change++)
        {
            (await bobApi.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = $"tool {change}" } })).EnsureSuccessStatusCode();
        }
        var live = await carol.NextAsync(3);
        var eventIds = live.Select(message => message.GetProperty("eventId").GetGuid()).ToList();
        // Picked from documents-api's log by the tool: all three are numbered there once carol has them.
        await AdminApi.GetUntilAsync(documentsAdmin, $"/api/v1/admin/event-log/events?recordId={World.PlanDocument}&afterPosition={after}",
            page => page.GetProperty("events").EnumerateArray().Select(entry => entry.GetProperty("eventId").GetGuid()).Intersect(eventIds).Count() == 3,
            "the three changes in documents-api's log");

        var toCarol = await LogTool.RunAsync(stack, "replay", "--to-user", World.Carol.ToString(), "--service", "documents-api", "--after", after, "--record", World.PlanDocument.ToString());
        toCarol.ExitCode.ShouldBe(0, toCarol.Errors);
        toCarol.Errors.ShouldContain($"replayed to user {World.Carol}: sent 3 event(s), refused 0");
        foreach (var eventId in eventIds)
        {
            toCarol.Output.ShouldContain($"sent {eventId} (documents-api #");
        }
        var replays = await carol.NextAsync(3);
        replays.Select(message => message.GetProperty("eventId").GetGuid()).ShouldBe(eventIds);
        replays.ShouldAllBe(message => message.GetProperty(ClientReplay.Field).GetBoolean());

        var toDave = await LogTool.RunAsync(stack, "replay", "--to-user", World.Dave.ToString(), "--service", "documents-api", "--after", after, "--record", World.PlanDocument.ToString(), "--pace", "original");
        toDave.ExitCode.ShouldBe(0, toDave.Errors);
        toDave.Errors.ShouldContain($"replayed to user {World.Dave}: sent 0 event(s), refused 3");
        toDave.Output.ShouldContain($"refused {eventIds[0]} (documents-api #");
        toDave.Output.ShouldContain($"not in its audience now: connection {dave.Connection.ConnectionId} is in none of its rooms");
        dave.Received.ShouldBe(0, "dave may not read the plan");
    }

    private async Task<RawInbox> ConnectAsync(string token, string name, int gateway = 0)
    {
        var connection = await stack.ConnectAsync(token, gateway);
        _connections.Add(connection);
        return new RawInbox(connection, name);
    }

    /// <summary>Every <c>CHANGED_DOCUMENT</c> payload of one connection as JSON, so a <c>replay</c> field shows.</summary>
    private sealed class RawInbox
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
        private readonly Channel<JsonElement> _received = Channel.CreateUnbounded<JsonElement>();
        private readonly string _name;
        private int _count;

        public RawInbox(HubConnection connection, string name)
        {
            Connection = connection;
            _name = name;
            connection.On<JsonElement>(ClientEvents.ChangedDocument, message =>
            {
                Interlocked.Increment(ref _count);
                _received.Writer.TryWrite(message);
            });
        }

        public HubConnection Connection { get; }

        public int Received => Volatile.Read(ref _count);

        public async Task<List<JsonElement>> NextAsync(int count)
        {
            var messages = new List<JsonElement>(count);
            using var timeout = new CancellationTokenSource(Patience);
            try
            {
                while (messages.Count < count)
                {
                    messages.Add(await _received.Reader.ReadAsync(timeout.Token));
                }
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_name} received {messages.Count} of {count} CHANGED_DOCUMENT within {Patience.TotalSeconds} s.");
            }
            return messages;
        }
    }
}
