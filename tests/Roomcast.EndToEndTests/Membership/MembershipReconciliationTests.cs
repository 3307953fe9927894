using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Rooms;
using Roomcast.EndToEndTests.DocumentsApi;
using Roomcast.EndToEndTests.Gateway;
using Roomcast.EndToEndTests.Identity;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Membership;

/// <summary>
/// A gateway on the Redis backplane (its membership projection outlives its process) and identity
/// answering snapshot requests at once; identity's own schedule is a day away, so only requests reconcile.
/// </summary>
public sealed class ReconciliationStack : RoomcastStack
{
    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";

    protected override Dictionary<string, string> IdentitySettings => new(base.IdentitySettings)
    {
        ["Identity__MembershipSnapshotInterval"] = "1.00:00:00",
        ["Identity__MembershipSnapshotRequestGap"] = "00:00:00.200",
    };

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.Current.Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
    };

    /// <summary>Starts one more gateway instance on this stack's bus and backplane (a standby on the shared queue); the caller disposes it.</summary>
    public Task<ServiceProcess> StartAnotherGatewayAsync()
    {
        var stack = TestStackSettings.Current;
        return ServiceProcess.StartAsync("realtime-gateway-late", "Roomcast.RealtimeGateway", FreePort.Next(), new Dictionary<string, string>(GatewaySettings)
        {
            ["RabbitMq__Host"] = stack.RabbitMqHost,
            ["RabbitMq__Port"] = stack.RabbitMqPort.ToString(),
            ["RabbitMq__VirtualHost"] = VirtualHost,
            ["RabbitMq__Username"] = stack.RabbitMqUser,
            ["RabbitMq__Password"] = stack.RabbitMqPassword,
            ["Jwt__Authority"] = Identity.BaseAddress.ToString().TrimEnd('/'),
            ["Jwt__RequireHttpsMetadata"] = "false",
            ["Gateway__InstanceId"] = $"e2e-{Guid.NewGuid():N}",
            ["RoomAccess__DocumentsApiUrl"] = Documents.BaseAddress.ToString().TrimEnd('/'),
        });
    }
}

/// <summary>
/// The copies of identity's memberships (documents-api's projection, the gateway's) are reconciled with
/// identity's snapshots: a membership event a copy never received is made up for, live connections move
/// as the event would have moved them, and the check command reports the corrections.
/// </summary>
public sealed class MembershipReconciliationTests(ReconciliationStack stack) : IClassFixture<ReconciliationStack>, IAsyncLifetime
{
    private const string Reconcile = "/api/v1/admin/membership/reconcile";
    private const string Reconciliation = "/api/v1/admin/membership/reconciliation";
    private const string DocumentsQueue = "documents-api.identity-projection";
    private const string GatewayQueue = "realtime-gateway.events";
    private static readonly TimeSpan SnapshotPatience = TimeSpan.FromSeconds(30);

    private readonly ClientConnections _connections = new();
    private readonly BusManagement _bus = new(stack.VirtualHost);

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _connections.DisposeAsync();
        _bus.Dispose();
    }

    [Fact]
    public async Task AMembershipRemovalTheCopiesMissedIsUndoneWhenAnAdminAsksForAReconciliation()
    {
        var (group, root) = await GroupWithRootAsync("removal missed");
        var carol = await ConnectAsync(World.Carol, "carol");
        using var identity = await IdentityApi.SignInAsync(stack, World.Alice);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        using var carolDocs = await ApiUser.LoginAsync(stack, World.Carol);
        (await identity.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        await Poll.UntilAsync(() => carolDocs.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.OK, "carol reads the root through her new group");
        await Poll.UntilAsync(() => InGroupRoomAsync(carol, group), "carol's connection joins the group room", SnapshotPatience);

        await WhileTheCopiesMissMembershipEventsAsync(async () =>
            (await identity.DeleteAsync(IdentityApi.Member(group, World.Carol))).ShouldBe(HttpStatusCode.NoContent));
        (await carolDocs.GetAsync($"/api/v1/roots/{root}")).ShouldBe(HttpStatusCode.OK, "documents-api missed the removal, so carol still reads the root");

        (await carolDocs.SendAsync(HttpMethod.Post, Reconcile, null)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await carolDocs.GetAsync(Reconciliation)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await alice.SendAsync(HttpMethod.Post, Reconcile, null)).ShouldBe(HttpStatusCode.Accepted);

        await Poll.UntilAsync(() => carolDocs.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.NotFound,
            "carol loses the root she read only through the group she was removed from", SnapshotPatience);
        await Poll.UntilAsync(async () => !await InGroupRoomAsync(carol, group), "carol's live connection leaves the group room", SnapshotPatience,
            () => SnapshotLogs(stack.Logs));
        var report = await Poll.UntilAsync(() => alice.GetAsync(Reconciliation),
            answer => answer.Status == HttpStatusCode.OK && answer.Json.GetProperty("reason").GetString() == "admin"
                && answer.Json.GetProperty("groupsChecked").GetInt32() == answer.Json.GetProperty("groupCount").GetInt32(),
            "the check command reports the admin's reconciliation, every group checked", SnapshotPatience);
        report.Json.GetProperty("corrections").GetInt32().ShouldBeGreaterThanOrEqualTo(1, report.Describe());
    }

    [Fact]
    public async Task AMembershipMadeWhileTheGatewaysQueueMissedItIsPickedUpWhenAGatewayInstanceStarts()
    {
        var (group, root) = await GroupWithRootAsync("added unheard");
        var carol = await ConnectAsync(World.Carol, "carol");
        using var identity = await IdentityApi.SignInAsync(stack, World.Alice);
        using var carolDocs = await ApiUser.LoginAsync(stack, World.Carol);
        await WhileTheCopiesMissMembershipEventsAsync(async () =>
            (await identity.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created));
        (await InGroupRoomAsync(carol, group)).ShouldBeFalse("the gateway never heard of the membership");

        await using var late = await stack.StartAnotherGatewayAsync();

        await Poll.UntilAsync(() => InGroupRoomAsync(carol, group), "carol's live connection joins the group room once a gateway instance has started",
            SnapshotPatience, () => SnapshotLogs(stack.Logs + Environment.NewLine + late.Output));
        await Poll.UntilAsync(() => carolDocs.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.OK,
            "carol reads the root granted to her group", SnapshotPatience);
    }

    [Fact]
    public async Task AMembershipEventThatIsDeadLetteredMakesTheCopiesAskForAReconciliation()
    {
        var (group, root) = await GroupWithRootAsync("dead-lettered");
        var carol = await ConnectAsync(World.Carol, "carol");
        using var identity = await IdentityApi.SignInAsync(stack, World.Alice);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        using var carolDocs = await ApiUser.LoginAsync(stack, World.Carol);
        (await identity.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        await Poll.UntilAsync(() => carolDocs.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.OK, "carol reads the root through her new group");
        await Poll.UntilAsync(() => InGroupRoomAsync(carol, group), "carol's connection joins the group room", SnapshotPatience);
        await WhileTheCopiesMissMembershipEventsAsync(async () =>
            (await identity.DeleteAsync(IdentityApi.Member(group, World.Carol))).ShouldBe(HttpStatusCode.NoContent));

        // A membership event no copy can read (it names no actor): each retries it, then dead-letters it.
        var broken = Guid.NewGuid();
        await _bus.PublishAsync("roomcast.group-membership-changed", "roomcast:events:group-membership-changed", broken, new
        {
            eventId = broken,
            occurredAt = DateTimeOffset.UtcNow,
            groupId = Guid.NewGuid(),
            userId = World.Bob,
            change = "Added",
            membershipVersion = 1,
            actorId = Guid.Empty,
            audience = new[] { RoomName.Admin.ToString() },
        });

        await Poll.UntilAsync(() => carolDocs.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.NotFound,
            "carol loses the root once the dead-lettered event brought a reconciliation", SnapshotPatience);
        await Poll.UntilAsync(async () => !await InGroupRoomAsync(carol, group), "carol's live connection leaves the group room", SnapshotPatience,
            () => SnapshotLogs(stack.Logs));
        (await alice.GetAsync(Reconciliation)).ShouldBe(HttpStatusCode.OK).GetProperty("reason").GetString().ShouldBe("fault");
    }

    [Fact]
    public async Task ASnapshotThatCorrectsOnlyTheGatewayDoesNotKeepTheUserOutOfRootRooms()
    {
        var (group, groupRoot) = await GroupWithRootAsync("gateway drift");
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        var openRoot = await bob.CreateRootIdAsync("gateway drift: read by everyone", sharedAccess: "RO");
        var (carol, carolInbox) = await ConnectWithInboxAsync(World.Carol, "carol");
        using var identity = await IdentityApi.SignInAsync(stack, World.Alice);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        using var carolDocs = await ApiUser.LoginAsync(stack, World.Carol);
        (await identity.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        await Poll.UntilAsync(() => InGroupRoomAsync(carolInbox, group), "carol's connection joins the group room", SnapshotPatience);

        // Only the gateway misses carol's removal (membership version 2); documents-api applies it.
        await WhileTheCopiesMissMembershipEventsAsync(async () =>
            (await identity.DeleteAsync(IdentityApi.Member(group, World.Carol))).ShouldBe(HttpStatusCode.NoContent), [GatewayQueue]);
        await Poll.UntilAsync(() => carolDocs.GetAsync($"/api/v1/roots/{groupRoot}"), answer => answer.Status == HttpStatusCode.NotFound,
            "documents-api applied carol's removal", SnapshotPatience);
        // A later change of the group's membership (version 3) that both copies hear.
        (await identity.PutAsync(IdentityApi.Member(group, World.Dave), null)).ShouldBe(HttpStatusCode.Created);

        // identity's snapshot (membership version 3) corrects the gateway alone: carol leaves the group
        // room there at version 3, while documents-api's copy had nothing to correct.
        (await alice.SendAsync(HttpMethod.Post, Reconcile, null)).ShouldBe(HttpStatusCode.Accepted);
        await Poll.UntilAsync(async () => !await InGroupRoomAsync(carolInbox, group), "the snapshot takes carol's connection out of the group room",
            SnapshotPatience, () => SnapshotLogs(stack.Logs));

        string? lastRefusal = null;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await carol.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{openRoot}")).Member;
            }
            catch (HubException refused)
            {
                lastRefusal = refused.Message;
                return false;
            }
        }, "carol joins the room of a root everyone reads", SnapshotPatience, () => $"the last refusal: {lastRefusal}{Environment.NewLine}{SnapshotLogs(stack.Logs)}");

        // A departure at a version no change or snapshot of the group reached is still not applied.
        using var carolHttp = stack.DocumentsClient(await stack.LoginAsync(World.Carol));
        using var ahead = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/roots/{openRoot}");
        ahead.Headers.TryAddWithoutValidation("Roomcast-After-Membership", $"{group:D}:4");
        using var answer = await carolHttp.SendAsync(ahead);
        answer.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "documents-api answered for membership version 4, which never happened");
    }

    [Fact]
    public async Task ReplayingAnOldSnapshotChangesNothing()
    {
        var (group, root) = await GroupWithRootAsync("old snapshot");
        var carol = await ConnectAsync(World.Carol, "carol");
        using var identity = await IdentityApi.SignInAsync(stack, World.Alice);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        using var carolDocs = await ApiUser.LoginAsync(stack, World.Carol);
        (await identity.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        await Poll.UntilAsync(() => carolDocs.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.OK, "documents-api applied the addition");
        await Poll.UntilAsync(() => InGroupRoomAsync(carol, group), "the gateway applied the addition", SnapshotPatience);
        (await identity.DeleteAsync(IdentityApi.Member(group, World.Carol))).ShouldBe(HttpStatusCode.NoContent);
        await Poll.UntilAsync(() => carolDocs.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.NotFound, "documents-api applied the removal");
        await Poll.UntilAsync(async () => !await InGroupRoomAsync(carol, group), "the gateway applied the removal", SnapshotPatience);

        // A snapshot from between the two changes (membership version 1, carol a member) arrives late.
        var snapshotId = Guid.NewGuid();
        var eventId = Guid.NewGuid();
        await _bus.PublishAsync("roomcast.group-membership-snapshot", "roomcast:events:group-membership-snapshot", eventId, new
        {
            eventId,
            occurredAt = DateTimeOffset.UtcNow.AddMinutes(-1),
            snapshotId,
            reason = "schedule",
            groupCount = 1,
            groupId = group,
            name = "old snapshot",
            version = 1,
            deleted = false,
            membershipVersion = 1,
            members = new[] { World.Carol },
        });

        var report = await Poll.UntilAsync(() => alice.GetAsync(Reconciliation),
            answer => answer.Status == HttpStatusCode.OK && answer.Json.GetProperty("snapshotId").GetGuid() == snapshotId,
            "documents-api applied the old snapshot", SnapshotPatience);
        report.Json.GetProperty("corrections").GetInt32().ShouldBe(0, report.Describe());
        (await carolDocs.GetAsync($"/api/v1/roots/{root}")).ShouldBe(HttpStatusCode.NotFound, "the old snapshot gave carol the group back in documents-api");
        // The snapshot went to the gateway's queue before this probe: it was applied when the probe is answered.
        (await InGroupRoomAsync(carol, group)).ShouldBeFalse("the old snapshot put carol's connection back in the group room");
    }

    /// <summary>The lines of <paramref name="logs"/> about snapshots, drift and failures: what a failed wait for a reconciliation needs.</summary>
    private static string SnapshotLogs(string logs) => string.Join(Environment.NewLine, logs.Split(Environment.NewLine)
        .Where(line => line.Contains("snapshot", StringComparison.OrdinalIgnoreCase) || line.Contains("drift", StringComparison.OrdinalIgnoreCase)
            || line.Contains("fail", StringComparison.OrdinalIgnoreCase)).TakeLast(30));

    /// <summary>A fresh group and a root readable only through it (read-only grant).</summary>
    private async Task<(Guid Group, Guid Root)> GroupWithRootAsync(string name)
    {
        using var identity = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await identity.CreateGroupAsync(IdentityApi.FreshName(name.Replace(' ', '-')))).GetProperty("id").GetGuid();
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        var root = await alice.CreateRootIdAsync($"{name}: through the group", "None");
        var granted = await ProjectionLag.GrantOnceKnownAsync(() => alice.SendAsync(HttpMethod.Put, $"/api/v1/roots/{root}/permissions/groups/{group}", new { access = "RO" }), "the new group");
        granted.ShouldBe(HttpStatusCode.Created);
        return (group, root);
    }

    /// <summary>
    /// Runs <paramref name="change"/> while <paramref name="queues"/> (by default documents-api's and the
    /// gateway's) are not bound to identity's membership events, as if they did not exist: those copies
    /// miss what it publishes.
    /// </summary>
    private async Task WhileTheCopiesMissMembershipEventsAsync(Func<Task> change, string[]? queues = null)
    {
        const string exchange = "roomcast.group-membership-changed";
        queues ??= [DocumentsQueue, GatewayQueue];
        var witness = $"e2e-witness-{Guid.NewGuid():N}";
        await _bus.DeclareWitnessQueueAsync(witness, exchange);
        foreach (var queue in queues)
        {
            await _bus.UnbindAsync(exchange, queue);
        }

        try
        {
            await change();
            // identity's outbox relay publishes after the commit: the queues are bound again only once it has.
            await Poll.UntilAsync(async () => (await _bus.PeekAsync(witness, 1)).Count > 0, "identity published the membership change");
        }
        finally
        {
            foreach (var queue in queues)
            {
                await _bus.BindAsync(exchange, queue);
            }

            await _bus.DeleteQueueAsync(witness);
        }
    }

    /// <summary>
    /// Whether <paramref name="inbox"/>'s connection is in <c>group:{group}</c> now: an event addressed to
    /// that room alone goes on the bus, then a change every signed-in user reads; events reach a connection
    /// in order, so the first arrived before the second if and only if the connection is in the room.
    /// </summary>
    private async Task<bool> InGroupRoomAsync(EventInbox inbox, Guid group)
    {
        var probe = Guid.NewGuid();
        await _bus.PublishAsync("roomcast.record-created", "roomcast:events:record-created", probe, new
        {
            eventId = probe,
            occurredAt = DateTimeOffset.UtcNow,
            recordType = RecordTypes.Document,
            recordId = probe,
            record = new { id = probe, type = "note", data = new { text = "for the group room" } },
            version = 1,
            actorId = World.Alice,
            originConnectionId = (string?)null,
            toSelf = true,
            audience = new[] { RoomName.Group(group).ToString() },
        });
        var fence = await FenceAsync();
        var heard = false;
        while (true)
        {
            var next = await inbox.NextAsync();
            if (next.Name == ClientEvents.NewRecord && next.Type == RecordTypes.Document && next.Id == probe)
            {
                heard = true;
            }
            else if (next.Name == ClientEvents.ChangedDocument && next.Id == World.NoticeDocument
                && next.Payload.GetProperty("data").TryGetProperty("text", out var text) && text.GetString() == fence)
            {
                return heard;
            }
        }
    }

    /// <summary>Changes the notice every signed-in user reads, after everything before it; returns the text it wrote.</summary>
    private async Task<string> FenceAsync()
    {
        var text = $"fence {Guid.NewGuid():N}";
        using var alice = stack.DocumentsClient(await stack.LoginAsync(World.Alice));
        using var response = await alice.PutAsJsonAsync($"/api/v1/documents/{World.NoticeDocument}", new { data = new { text } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return text;
    }

    private async Task<EventInbox> ConnectAsync(Guid user, string name) => (await ConnectWithInboxAsync(user, name)).Inbox;

    private async Task<(HubConnection Connection, EventInbox Inbox)> ConnectWithInboxAsync(Guid user, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user));
        _connections.Add(connection);
        var inbox = new EventInbox(connection, name, () => stack.Logs);
        // The hub reads no call before OnConnectedAsync has put the connection in its rooms: the answer to one proves they are set.
        await Should.ThrowAsync<HubException>(() => connection.InvokeAsync<object>("ROOMS_SET_PROBE"));
        return (connection, inbox);
    }
}
