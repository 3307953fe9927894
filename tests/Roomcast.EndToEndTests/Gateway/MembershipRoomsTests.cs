using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Rooms;
using Roomcast.EndToEndTests.Identity;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// Group rooms follow identity's memberships live, on both gateway instances, and identity's own
/// record events reach exactly their audience. Every service names a group's members one by one next
/// to its <c>group:</c> room, so no event they publish can tell whether a connection is in the room;
/// the tests put an event addressed to the group room alone on the real bus (as documents-api would
/// publish it) to prove the room itself moved.
/// </summary>
public sealed class MembershipRoomsTests(TwoGatewayStack stack) : IClassFixture<TwoGatewayStack>, IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AMemberAddedThroughIdentityJoinsTheGroupRoomOnEveryInstanceAndLeavesItWhenRemoved()
    {
        using var alice = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await alice.CreateGroupAsync($"moves {Guid.NewGuid():N}")).Id();
        var carolOnA = await ConnectAsync(World.Carol, gateway: 0, "carol on instance A");
        var carolOnB = await ConnectAsync(World.Carol, gateway: 1, "carol on instance B");

        (await alice.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        foreach (var inbox in new[] { carolOnA, carolOnB })
        {
            ShouldBeMembership(await inbox.NextAsync(), ClientEvents.NewRecord, group, World.Carol, isMember: true, inbox.Name);
        }

        var forMembers = await PublishToGroupRoomOnlyAsync(group, "for the members");
        foreach (var inbox in new[] { carolOnA, carolOnB })
        {
            (await inbox.NextAsync()).Id.ShouldBe(forMembers, $"{inbox.Name} is not in the group room after being added");
        }

        // A connection made after the change is put in the group room on connect, from the projection.
        var carolLater = await ConnectAsync(World.Carol, gateway: 1, "carol connected after being added");
        var forMembersLater = await PublishToGroupRoomOnlyAsync(group, "for the members, later");
        foreach (var inbox in new[] { carolOnA, carolOnB, carolLater })
        {
            (await inbox.NextAsync()).Id.ShouldBe(forMembersLater, $"{inbox.Name} is not in the group room");
        }

        (await alice.DeleteAsync(IdentityApi.Member(group, World.Carol))).ShouldBe(HttpStatusCode.NoContent);
        foreach (var inbox in new[] { carolOnA, carolOnB, carolLater })
        {
            ShouldBeMembership(await inbox.NextAsync(), ClientEvents.ChangedRecord, group, World.Carol, isMember: false, inbox.Name);
        }

        await PublishToGroupRoomOnlyAsync(group, "after carol left");
        await FenceAsync();
        foreach (var inbox in new[] { carolOnA, carolOnB, carolLater })
        {
            var next = await inbox.NextAsync();
            next.Id.ShouldBe(World.NoticeDocument, $"{inbox.Name} still heard the group room after being removed: {next}");
        }
    }

    [Fact]
    public async Task AUserWhoseMembershipPredatesTheGatewayJoinsTheGroupRoomOnceIdentityHasAnswered()
    {
        // identity seeded dave into the study group before any gateway queue existed: no event told the gateway.
        var heard = new[] { new GroupRoomListener(), new GroupRoomListener() };
        await ConnectAsync(World.Dave, gateway: 0, "dave on instance A", heard[0]);
        await ConnectAsync(World.Dave, gateway: 1, "dave on instance B", heard[1]);

        // The gateway asks identity in the background, so the room follows shortly after the connect:
        // a bounded poll, one event for the group room alone per attempt, until both connections hear one.
        for (var attempt = 1; attempt <= 20 && !heard.All(listener => listener.Heard.IsCompleted); attempt++)
        {
            var probe = await PublishToGroupRoomOnlyAsync(World.StudyGroup, $"for the study group, attempt {attempt}");
            foreach (var listener in heard)
            {
                listener.Expect(probe);
            }

            await Task.WhenAny(Task.WhenAll(heard.Select(listener => listener.Heard)), Task.Delay(TimeSpan.FromSeconds(1)));
        }

        heard.ShouldAllBe(listener => listener.Heard.IsCompleted, $"dave is not in the group room identity says he is in{Environment.NewLine}{stack.Logs}");
    }

    [Fact]
    public async Task IdentityRecordEventsReachTheAdminsAndTheUsersTheyConcernAndNoOneElse()
    {
        var admin = await ConnectAsync(World.Alice, gateway: 0, "alice (admin) on instance A");
        var member = await ConnectAsync(World.Carol, gateway: 1, "carol (made a member) on instance B");
        var bystander = await ConnectAsync(World.Bob, gateway: 0, "bob (no part in it) on instance A");
        using var alice = await IdentityApi.SignInAsync(stack, World.Alice);

        var newcomerName = IdentityApi.FreshName("newcomer");
        var newcomer = await alice.RegisterAsync(newcomerName);
        var registered = await admin.NextAsync();
        ShouldBeRecordEvent(registered, ClientEvents.NewRecord, RecordTypes.User);
        var user = registered.Payload.GetProperty("record");
        user.PropertyNames().ShouldBe(["id", "username", "isAdmin", "version"], ignoreOrder: true, "a user record carries nothing secret");
        user.Id().ShouldBe(newcomer);
        user.Str("username").ShouldBe(newcomerName);

        var group = (await alice.CreateGroupAsync("Reading circle")).Id();
        var created = await admin.NextAsync();
        ShouldBeRecordEvent(created, ClientEvents.NewRecord, RecordTypes.StudentGroup);
        created.Id.ShouldBe(group);
        created.Payload.GetProperty("record").Str("name").ShouldBe("Reading circle");

        (await alice.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        foreach (var inbox in new[] { admin, member })
        {
            ShouldBeMembership(await inbox.NextAsync(), ClientEvents.NewRecord, group, World.Carol, isMember: true, inbox.Name);
        }

        (await alice.PatchAsync(IdentityApi.Group(group), new { name = "Writing circle" })).ShouldBe(HttpStatusCode.OK);
        foreach (var inbox in new[] { admin, member })
        {
            var renamed = await inbox.NextAsync();
            ShouldBeRecordEvent(renamed, ClientEvents.ChangedRecord, RecordTypes.StudentGroup, inbox.Name);
            renamed.Payload.GetProperty("record").Str("name").ShouldBe("Writing circle", inbox.Name);
        }

        (await alice.DeleteAsync(IdentityApi.Group(group))).ShouldBe(HttpStatusCode.NoContent);
        foreach (var inbox in new[] { admin, member })
        {
            var deleted = await inbox.NextAsync();
            ShouldBeRecordEvent(deleted, ClientEvents.DeletedRecord, RecordTypes.StudentGroup, inbox.Name);
            deleted.Id.ShouldBe(group, inbox.Name);
        }

        // The deleted group's room is empty now, and bob heard none of it.
        await PublishToGroupRoomOnlyAsync(group, "to a deleted group");
        await FenceAsync();
        foreach (var inbox in new[] { admin, member, bystander })
        {
            var next = await inbox.NextAsync();
            next.Id.ShouldBe(World.NoticeDocument, $"{inbox.Name} received something not meant for them: {next}");
        }
    }

    private static void ShouldBeRecordEvent(ReceivedEvent received, string clientEvent, string recordType, string? inbox = null)
    {
        received.Name.ShouldBe(clientEvent, $"{inbox}: {received}");
        received.Type.ShouldBe(recordType, $"{inbox}: {received}");
        received.Payload.GetProperty("eventId").GetGuid().ShouldNotBe(Guid.Empty, $"{inbox}: {received}");
        received.Payload.TryGetProperty("seq", out _).ShouldBeTrue($"{inbox}: every record event carries seq: {received}");
    }

    private static void ShouldBeMembership(ReceivedEvent received, string clientEvent, Guid group, Guid user, bool isMember, string inbox)
    {
        ShouldBeRecordEvent(received, clientEvent, RecordTypes.GroupMembership, inbox);
        var record = received.Payload.GetProperty("record");
        record.GetProperty("groupId").GetGuid().ShouldBe(group, inbox);
        record.GetProperty("userId").GetGuid().ShouldBe(user, inbox);
        record.GetProperty("isMember").GetBoolean().ShouldBe(isMember, inbox);
        record.GetProperty("membershipVersion").GetInt64().ShouldBeGreaterThan(0, inbox);
    }

    /// <summary>A change every signed-in user reads, made after everything before it: events reach a connection in order.</summary>
    private async Task FenceAsync()
    {
        using var alice = stack.DocumentsClient(await stack.LoginAsync(World.Alice));
        using var response = await alice.PutAsJsonAsync($"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = $"fence {Guid.NewGuid():N}" } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Publishes a <c>NEW_RECORD</c> for a made-up document whose audience is <c>group:{group}</c> alone, onto
    /// the stack's real bus through RabbitMQ's management API, as MassTransit would; returns the record's id.
    /// </summary>
    private async Task<Guid> PublishToGroupRoomOnlyAsync(Guid group, string text)
    {
        var settings = TestStackSettings.Current;
        var eventId = Guid.NewGuid();
        var recordId = Guid.NewGuid();
        var envelope = new
        {
            messageId = eventId,
            messageType = new[] { "urn:message:roomcast:events:record-created" },
            sentTime = DateTimeOffset.UtcNow,
            headers = new { },
            message = new
            {
                eventId,
                occurredAt = DateTimeOffset.UtcNow,
                recordType = RecordTypes.Document,
                recordId,
                record = new { id = recordId, type = "note", data = new { text } },
                version = 1,
                actorId = World.Alice,
                originConnectionId = (string?)null,
                toSelf = true,
                audience = new[] { RoomName.Group(group).ToString() },
                seq = 0,
            },
        };
        var publish = new
        {
            properties = new { content_type = "application/vnd.masstransit+json", message_id = eventId.ToString(), delivery_mode = 2 },
            routing_key = "",
            payload = JsonSerializer.Serialize(envelope, JsonSerializerOptions.Web),
            payload_encoding = "string",
        };

        using var management = new HttpClient { BaseAddress = new Uri($"http://{settings.RabbitMqHost}:{settings.RabbitMqManagementPort}/api/") };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.RabbitMqUser}:{settings.RabbitMqPassword}")));
        using var response = await management.PostAsJsonAsync($"exchanges/{Uri.EscapeDataString(stack.VirtualHost)}/roomcast.record-created/publish", publish);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        JsonSerializer.Deserialize<JsonElement>(body).GetProperty("routed").GetBoolean().ShouldBeTrue($"nothing is bound to the exchange: {body}");
        return recordId;
    }

    private async Task<EventInbox> ConnectAsync(Guid user, int gateway, string name, GroupRoomListener? listener = null)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user), gateway);
        _connections.Add(connection);
        var inbox = new EventInbox(connection, name, () => stack.Logs);
        listener?.Listen(connection);
        // The client's StartAsync returns at the handshake, before the hub's OnConnectedAsync has put the
        // connection in its rooms; the hub reads no call before that, so the answer to one (an unknown
        // method, refused) proves the rooms are set before the test publishes anything.
        await Should.ThrowAsync<HubException>(() => connection.InvokeAsync<object>("ROOMS_SET_PROBE"));
        return inbox;
    }

}

/// <summary>Completes <see cref="Heard"/> when a connection receives one of the record ids it was told to expect.</summary>
internal sealed class GroupRoomListener
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> _expected = new();
    private readonly TaskCompletionSource _heard = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Heard => _heard.Task;

    public void Expect(Guid recordId) => _expected[recordId] = 0;

    public void Listen(HubConnection connection) =>
        connection.On<JsonElement>(ClientEvents.NewRecord, payload =>
        {
            if (payload.GetProperty("record").TryGetProperty("id", out var id) && _expected.ContainsKey(id.GetGuid()))
            {
                _heard.TrySetResult();
            }
        });
}
