using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using Roomcast.Contracts.Access;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.DocumentsApi;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>Two gateways on the backplane with small hub limits, so the limits can be reached in a test.</summary>
public sealed class RoomJoinStack : RoomcastStack
{
    public const int CallBurst = 6;
    public const int MaximumReceiveMessageSize = 2048;

    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";

    protected override int GatewayCount => 2;

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.Current.Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
        ["Hub__CallBurst"] = CallBurst.ToString(),
        // Slow enough that a burst is not refilled while a test makes its calls.
        ["Hub__CallsPerSecond"] = "0.2",
        ["Hub__MaximumReceiveMessageSize"] = MaximumReceiveMessageSize.ToString(),
    };
}

/// <summary>
/// JOIN_ROOM / LEAVE_ROOM: acknowledged, admins anywhere, others only into roots they can read (as
/// documents-api says), and out again on every instance when that access goes; the hub's limits.
/// </summary>
public sealed class RoomJoinTests(RoomJoinStack stack) : IClassFixture<RoomJoinStack>, IAsyncLifetime
{
    /// <summary>How long documents-api may take to hear of identity's changes.</summary>
    private static readonly TimeSpan SyncPatience = TimeSpan.FromSeconds(30);
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AnAdminJoinsAndLeavesAnyValidRoomWithAnAcknowledgement()
    {
        var alice = await ConnectAsync(World.Alice, gateway: 1);
        foreach (var room in new[] { $"root:{Guid.NewGuid()}", $"group:{World.StudyGroup}", $"user:{World.Bob}" })
        {
            var joined = await alice.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, room);
            joined.ShouldBe(new RoomAck(room, Member: true));
            var left = await alice.InvokeAsync<RoomAck>(ClientMethods.LeaveRoom, room);
            left.ShouldBe(new RoomAck(room, Member: false));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("root:not-a-uuid")]
    [InlineData("ROOT:8d0b7c8e-4f6a-4c3e-9a55-0d7a3c1e2b4f")]
    [InlineData("root:8D0B7C8E-4F6A-4C3E-9A55-0D7A3C1E2B4F")]
    [InlineData("root:00000000-0000-0000-0000-000000000000")]
    [InlineData("everyone")]
    public async Task ARoomNameOutsideTheGrammarIsRefusedWithTheReason(string room)
    {
        var alice = await ConnectAsync(World.Alice, gateway: 0);
        var refused = await Should.ThrowAsync<HubException>(() => alice.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, room));
        refused.Message.ShouldContain("is not a room name");
        refused = await Should.ThrowAsync<HubException>(() => alice.InvokeAsync<RoomAck>(ClientMethods.LeaveRoom, room));
        refused.Message.ShouldContain("is not a room name");
    }

    [Fact]
    public async Task ANonAdminJoinsARootTheyCanReadAndIsRefusedOneTheyCannotWithoutLearningWhetherItExists()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        var root = await bob.CreateRootIdAsync("join me");
        await bob.GrantAsync(root, World.Carol, "RO");
        var carol = await ConnectAsync(World.Carol, gateway: 0);
        var dave = await ConnectAsync(World.Dave, gateway: 1);

        (await carol.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}")).ShouldBe(new RoomAck($"root:{root}", Member: true));

        var unreadable = await Should.ThrowAsync<HubException>(() => dave.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}"));
        var nowhere = Guid.NewGuid();
        var missing = await Should.ThrowAsync<HubException>(() => dave.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{nowhere}"));
        unreadable.Message.ShouldContain("no root you can read");
        missing.Message.Replace(nowhere.ToString(), "ID").ShouldBe(unreadable.Message.Replace(root.ToString(), "ID"), "a missing root and an unreadable one must be refused alike");

        foreach (var room in new[] { "all", "admin", $"group:{World.StudyGroup}" })
        {
            var refused = await Should.ThrowAsync<HubException>(() => carol.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, room));
            refused.Message.ShouldContain("Only admins may join");
        }

        var automatic = await Should.ThrowAsync<HubException>(() => carol.InvokeAsync<RoomAck>(ClientMethods.LeaveRoom, "all"));
        automatic.Message.ShouldContain("follows your account");
        (await carol.InvokeAsync<RoomAck>(ClientMethods.LeaveRoom, $"root:{root}")).ShouldBe(new RoomAck($"root:{root}", Member: false));
    }

    [Fact]
    public async Task AReaderWhoLosesAccessLeavesTheRootRoomOnEveryInstanceBeforeTheNextChange()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        var root = await bob.CreateRootIdAsync("revoked");
        await bob.GrantAsync(root, World.Carol, "RO");
        var document = await bob.CreateDocumentIdAsync(root);
        var inboxes = new List<EventInbox>();
        var carols = new List<HubConnection>();
        for (var gateway = 0; gateway < 2; gateway++)
        {
            var carol = await ConnectAsync(World.Carol, gateway);
            carols.Add(carol);
            var inbox = new EventInbox(carol, $"carol on instance {gateway}");
            (await carol.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}")).Member.ShouldBeTrue();
            inboxes.Add(inbox);
        }

        // While she may read it, a change reaches her (through her own room and the root room).
        (await bob.SendAsync(HttpMethod.Put, $"/api/v1/documents/{document}", new { data = new { text = "before" } })).ShouldBe(HttpStatusCode.OK);
        foreach (var inbox in inboxes)
        {
            await UntilAsync(inbox, received => received.Name == ClientEvents.ChangedDocument && received.Id == document);
        }

        (await bob.DeleteAsync($"/api/v1/roots/{root}/permissions/users/{World.Carol}")).ShouldBe(HttpStatusCode.NoContent);
        (await bob.SendAsync(HttpMethod.Put, $"/api/v1/documents/{document}", new { data = new { text = "after" } })).ShouldBe(HttpStatusCode.OK);
        // A change everyone reads, after the one she must not get: it arrives, the other never does.
        (await alice.SendAsync(HttpMethod.Put, $"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = "fence" } })).ShouldBe(HttpStatusCode.OK);
        foreach (var inbox in inboxes)
        {
            var seen = await UntilAsync(inbox, received => received.Name == ClientEvents.ChangedDocument && received.Id == World.NoticeDocument);
            seen.ShouldNotContain(received => received.Name == ClientEvents.ChangedDocument && received.Id == document,
                $"{inbox.Name} still received a change of a root it may no longer read: {string.Join(" | ", seen)}");
            seen.ShouldContain(received => received.Name == ClientEvents.DeletedRecord && received.Type == "UserPermission",
                $"{inbox.Name} should hear that its own grant went: {string.Join(" | ", seen)}");
        }

        var again = await Should.ThrowAsync<HubException>(() => carols[1].InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}"));
        again.Message.ShouldContain("no root you can read");
    }

    [Fact]
    public async Task AMemberWhoLeavesTheGroupThatGaveAccessLeavesTheRootRoomOnEveryInstance()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        using var identity = new HttpClient { BaseAddress = stack.Identity.BaseAddress };
        identity.DefaultRequestHeaders.Authorization = new("Bearer", await stack.LoginAsync(World.Alice));
        using var created = await identity.PostAsJsonAsync("/api/v1/groups", new { name = $"room-join-{Guid.NewGuid():N}" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var group = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        (await identity.PutAsync($"/api/v1/groups/{group}/members/{World.Dave}", null)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var root = await bob.CreateRootIdAsync("through a group");
        var document = await bob.CreateDocumentIdAsync(root);
        // documents-api hears of the group and the membership from identity's events: bounded waits.
        await Poll.UntilAsync(() => bob.SendAsync(HttpMethod.Put, $"/api/v1/roots/{root}/permissions/groups/{group}", new { access = "RO" }),
            answer => answer.Status == HttpStatusCode.Created, "documents-api to know the new group", SyncPatience);
        using var daveApi = await ApiUser.LoginAsync(stack, World.Dave);
        await Poll.UntilAsync(() => daveApi.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.OK, "documents-api to see dave join the group", SyncPatience);
        var inboxes = new List<EventInbox>();
        for (var gateway = 0; gateway < 2; gateway++)
        {
            var dave = await ConnectAsync(World.Dave, gateway);
            inboxes.Add(new EventInbox(dave, $"dave on instance {gateway}"));
            (await dave.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}")).Member.ShouldBeTrue();
        }

        (await identity.DeleteAsync($"/api/v1/groups/{group}/members/{World.Dave}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await Poll.UntilAsync(() => daveApi.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.NotFound, "documents-api to see dave leave the group", SyncPatience);
        (await bob.SendAsync(HttpMethod.Put, $"/api/v1/documents/{document}", new { data = new { text = "members only" } })).ShouldBe(HttpStatusCode.OK);
        (await alice.SendAsync(HttpMethod.Put, $"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = "fence" } })).ShouldBe(HttpStatusCode.OK);
        foreach (var inbox in inboxes)
        {
            var seen = await UntilAsync(inbox, received => received.Name == ClientEvents.ChangedDocument && received.Id == World.NoticeDocument);
            seen.ShouldNotContain(received => received.Name == ClientEvents.ChangedDocument && received.Id == document,
                $"{inbox.Name} still received a change of a root its group no longer gives it: {string.Join(" | ", seen)}");
        }
    }

    [Fact]
    public async Task AReaderWhomDocumentsApiStillHoldsAsAnAdminIsRefusedARootOnlyAnAdminCouldRead()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        var root = await bob.CreateRootIdAsync("admins and bob only");
        using var daveApi = stack.DocumentsClient(await stack.LoginAsync(World.Dave));
        var dave = await ConnectAsync(World.Dave, gateway: 0);

        // documents-api's projection holds dave as an admin while the gateway's does not: a demotion the
        // gateway has applied and documents-api not yet (both hear it on their own queues), or the other way round.
        await SetProjectedAdminAsync(World.Dave, true);
        try
        {
            await Poll.UntilAsync(async () => (await daveApi.GetAsync($"/api/v1/roots/{root}")).StatusCode == HttpStatusCode.OK,
                "documents-api to hold dave as an admin", SyncPatience);

            var refused = await Should.ThrowAsync<HubException>(() => dave.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}"));
            refused.Message.ShouldContain("no root you can read");

            // What the gateway asks: by grants and groups alone. Nothing but "true" is taken.
            using var asReader = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/roots/{root}") { Headers = { { AccessConsistency.AsReaderHeader, AccessConsistency.AsReader } } };
            (await daveApi.SendAsync(asReader)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            using var malformed = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/roots/{root}") { Headers = { { AccessConsistency.AsReaderHeader, "yes" } } };
            await (await daveApi.SendAsync(malformed)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "https://roomcast.dev/problems/invalid-values");
        }
        finally
        {
            await SetProjectedAdminAsync(World.Dave, false);
        }
        await Poll.UntilAsync(async () => (await daveApi.GetAsync($"/api/v1/roots/{root}")).StatusCode == HttpStatusCode.NotFound,
            "documents-api to hold dave as a reader again", SyncPatience);
    }

    [Fact]
    public async Task CallsOverTheRateLimitAreRefusedAndNotRun()
    {
        var carol = await ConnectAsync(World.Carol, gateway: 0);
        var room = $"root:{Guid.NewGuid()}";
        for (var call = 0; call < RoomJoinStack.CallBurst; call++)
        {
            (await carol.InvokeAsync<RoomAck>(ClientMethods.LeaveRoom, room)).Member.ShouldBeFalse();
        }

        var refused = await Should.ThrowAsync<HubException>(() => carol.InvokeAsync<RoomAck>(ClientMethods.LeaveRoom, room));
        refused.Message.ShouldContain("Too many calls");
        refused.Message.ShouldContain(ClientMethods.LeaveRoom);
        // Another connection has its own allowance.
        var other = await ConnectAsync(World.Carol, gateway: 0);
        (await other.InvokeAsync<RoomAck>(ClientMethods.LeaveRoom, room)).Member.ShouldBeFalse();
    }

    [Fact]
    public async Task AMessageOverTheSizeLimitClosesTheConnection()
    {
        var carol = await ConnectAsync(World.Carol, gateway: 1);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        carol.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };

        var huge = "root:" + new string('x', RoomJoinStack.MaximumReceiveMessageSize * 2);
        await Should.ThrowAsync<Exception>(() => carol.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, huge));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        carol.State.ShouldBe(HubConnectionState.Disconnected);
    }

    /// <summary>Writes documents-api's projection of the user's role directly (its triggers tell every instance).</summary>
    private async Task SetProjectedAdminAsync(Guid user, bool isAdmin)
    {
        await using var connection = new NpgsqlConnection(stack.DocumentsDatabase);
        await connection.OpenAsync();
        await using var update = new NpgsqlCommand("UPDATE users SET is_admin = @isAdmin WHERE id = @user", connection);
        update.Parameters.AddWithValue("isAdmin", isAdmin);
        update.Parameters.AddWithValue("user", user);
        (await update.ExecuteNonQueryAsync()).ShouldBe(1, "documents-api's projection has no row for the user");
    }

    private async Task<HubConnection> ConnectAsync(Guid user, int gateway)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user), gateway);
        _connections.Add(connection);
        return connection;
    }

    /// <summary>Every event up to and including the first <paramref name="wanted"/> one (bounded by the inbox's patience per event).</summary>
    private async Task<List<ReceivedEvent>> UntilAsync(EventInbox inbox, Func<ReceivedEvent, bool> wanted)
    {
        var seen = new List<ReceivedEvent>();
        for (var count = 0; count < 100; count++)
        {
            ReceivedEvent received;
            try
            {
                received = await inbox.NextAsync();
            }
            catch (TimeoutException timeout)
            {
                throw new TimeoutException($"{timeout.Message} Seen: {string.Join(" | ", seen)}{Environment.NewLine}{stack.Logs}", timeout);
            }
            seen.Add(received);
            if (wanted(received))
            {
                return seen;
            }
        }
        throw new InvalidOperationException($"{inbox.Name}: 100 events without the one awaited: {string.Join(" | ", seen)}");
    }
}
