using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.Contracts.Rooms;
using Roomcast.EndToEndTests.DocumentsApi;
using Roomcast.EndToEndTests.Identity;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.EndToEndTests.SignalR;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// Live connections follow their user's account as it is now, on both gateway instances (instance 0
/// starts first and takes the event queue; instance 1 only hears what it announces): a demotion closes
/// the user's connections, a promotion lets them into <c>admin</c> without a reconnect, ending the
/// sessions closes them and keeps older tokens out, and a request naming another user's connection as
/// its origin does not keep the event from that connection.
/// </summary>
public sealed class AccountAccessTests(TwoGatewayStack stack) : IClassFixture<TwoGatewayStack>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task ADemotedAdminIsClosedWithAccessChangedOnEveryInstanceAndCannotJoinAnotherUsersRoomAfter()
    {
        using var alice = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("demoted");
        var userId = await alice.RegisterAsync(username, isAdmin: true);
        var token = (await IdentityApi.StartSessionAsync(stack, username)).AccessToken;
        var live = new[] { await ConnectAsync(token, gateway: 0, "demoted admin on instance A"), await ConnectAsync(token, gateway: 1, "demoted admin on instance B") };
        var before = await BusManagement.PublishNoteToAdminRoomOnlyAsync(stack.VirtualHost, World.Alice, "for admins, before");
        foreach (var connection in live)
        {
            // identity's own record event of the registration may arrive first (its outbox relays it meanwhile).
            (await NextBesidesUserRecordsAsync(connection.Inbox)).Id.ShouldBe(before, $"{connection.Inbox.Name} is not in the admin room to begin with");
        }

        (await alice.PutAsync(IdentityApi.AdminOf(userId), new { isAdmin = false })).ShouldBe(HttpStatusCode.OK);

        foreach (var connection in live)
        {
            var error = await connection.ClosedAsync(Patience, stack);
            error.ShouldContain(CloseReasons.AccessChanged, Case.Sensitive, $"{connection.Inbox.Name} was closed for another reason");
        }

        // The token still says admin; the gateway goes by the role as it is now.
        var again = await ConnectAsync(token, gateway: 1, "demoted admin reconnected");
        var refused = await Should.ThrowAsync<HubException>(() => again.Hub.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, RoomName.User(World.Bob).ToString()));
        refused.Message.ShouldContain("Only admins may join");
        var after = await BusManagement.PublishNoteToAdminRoomOnlyAsync(stack.VirtualHost, World.Alice, "for admins, after");
        await FenceAsync();
        await UntilFenceAsync(again.Inbox, heard => heard.ShouldNotBe(after, "the demoted admin still heard the admin room"));
    }

    [Fact]
    public async Task APromotedUsersLiveConnectionsGetAdminEventsAndJoinAnyRoomWithoutReconnecting()
    {
        using var alice = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("promoted");
        var userId = await alice.RegisterAsync(username);
        var token = (await IdentityApi.StartSessionAsync(stack, username)).AccessToken;
        var live = new[] { await ConnectAsync(token, gateway: 0, "promoted user on instance A"), await ConnectAsync(token, gateway: 1, "promoted user on instance B") };

        (await alice.PutAsync(IdentityApi.AdminOf(userId), new { isAdmin = true })).ShouldBe(HttpStatusCode.OK);
        foreach (var connection in live)
        {
            // The role change itself reaches the user (user:{id} is in its audience), after the move:
            // once it is here, an event published now is consumed after the move.
            while (true)
            {
                var next = await connection.Inbox.NextAsync();
                next.Type.ShouldBe(RecordTypes.User, $"{connection.Inbox.Name}: {next}");
                if (next.Name == ClientEvents.ChangedRecord && next.Payload.GetProperty("record").GetProperty("isAdmin").GetBoolean())
                {
                    break;
                }
            }
        }

        var forAdmins = await BusManagement.PublishNoteToAdminRoomOnlyAsync(stack.VirtualHost, World.Alice, "for admins, after the promotion");
        foreach (var connection in live)
        {
            (await NextBesidesUserRecordsAsync(connection.Inbox)).Id.ShouldBe(forAdmins, $"{connection.Inbox.Name} is not in the admin room after the promotion");
            var room = RoomName.User(World.Bob).ToString();
            (await connection.Hub.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, room)).ShouldBe(new RoomAck(room, Member: true));
        }
    }

    [Fact]
    public async Task EndingAUsersSessionsClosesTheirConnectionsOnEveryInstanceAndAnOlderTokenCannotConnect()
    {
        using var alice = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("ended");
        var userId = await alice.RegisterAsync(username);
        var token = (await IdentityApi.StartSessionAsync(stack, username)).AccessToken;
        var live = new[] { await ConnectAsync(token, gateway: 0, "ended user on instance A"), await ConnectAsync(token, gateway: 1, "ended user on instance B") };
        var bystander = await ConnectAsync(await stack.LoginAsync(World.Carol), gateway: 1, "carol, whose sessions go on");

        // identity publishes this on logout-everywhere, a password change or a disabled account.
        await PublishSessionsEndedAsync(userId, SessionEpochOf(token) + 1);

        foreach (var connection in live)
        {
            var error = await connection.ClosedAsync(Patience, stack);
            error.ShouldContain(CloseReasons.SessionEnded, Case.Sensitive, $"{connection.Inbox.Name} was closed for another reason");
        }

        foreach (var gateway in new[] { 0, 1 })
        {
            var hub = TestHubConnections.Build(stack.HubUrlOf(gateway), token);
            _connections.Add(hub);
            var refusal = await RefusalOfAsync(hub);
            refusal.ShouldContain(CloseReasons.SessionEnded, Case.Sensitive, $"a token of the ended session connected to instance {gateway}");
        }

        await FenceAsync();
        (await bystander.Inbox.NextAsync()).Id.ShouldBe(World.NoticeDocument, "another user's connection must stay open");
    }

    [Fact]
    public async Task AnOriginConnectionIdNamingAnotherUsersConnectionDoesNotKeepTheEventFromIt()
    {
        var carols = new[] { await ConnectAsync(await stack.LoginAsync(World.Carol), gateway: 0, "carol on instance A"), await ConnectAsync(await stack.LoginAsync(World.Carol), gateway: 1, "carol on instance B") };
        var bob = await ConnectAsync(await stack.LoginAsync(World.Bob), gateway: 1, "bob on instance B");

        foreach (var carol in carols)
        {
            // bob names carol's connection as the origin of his change: carol must still get it.
            var text = $"not from carol {Guid.NewGuid():N}";
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/documents/{World.PlanDocument}")
            {
                Content = new StringContent(JsonSerializer.Serialize(new { data = new { text } }), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add(ClientMethods.OriginConnectionHeader, carol.Hub.ConnectionId);
            using var http = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
            using var response = await http.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

            // bob's own connection was not named either: everyone gets the change.
            foreach (var reader in carols.Append(bob))
            {
                var received = await reader.Inbox.NextAsync();
                received.Name.ShouldBe(ClientEvents.ChangedDocument, $"{reader.Inbox.Name}: {received}");
                received.Payload.GetProperty("data").GetProperty("text").GetString().ShouldBe(text, $"{reader.Inbox.Name} missed bob's change naming {carol.Inbox.Name}");
            }
        }

        // His own connection, named, is still skipped.
        using var own = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/documents/{World.PlanDocument}")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { data = new { text = "from bob's own tab" } }), Encoding.UTF8, "application/json"),
        };
        own.Headers.Add(ClientMethods.OriginConnectionHeader, bob.Hub.ConnectionId);
        using (var http = stack.DocumentsClient(await stack.LoginAsync(World.Bob)))
        using (var response = await http.SendAsync(own))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
        await FenceAsync();
        (await bob.Inbox.NextAsync()).Id.ShouldBe(World.NoticeDocument, "bob's own origin connection must not get his change back");
    }

    /// <summary>The next event that is not one of identity's <c>User</c> record events (other tests' registrations reach admins too).</summary>
    private static async Task<ReceivedEvent> NextBesidesUserRecordsAsync(EventInbox inbox)
    {
        while (true)
        {
            var next = await inbox.NextAsync();
            if (next.Type != RecordTypes.User)
            {
                return next;
            }
        }
    }

    /// <summary>Reads <paramref name="inbox"/> up to the fence, checking the id of everything before it.</summary>
    private async Task UntilFenceAsync(EventInbox inbox, Action<Guid> check)
    {
        while (true)
        {
            var next = await inbox.NextAsync();
            if (next.Name == ClientEvents.ChangedDocument && next.Id == World.NoticeDocument)
            {
                return;
            }

            // identity's own record events (the role change) may arrive meanwhile: they carry no id of a document.
            if (next.Type != RecordTypes.User)
            {
                check(next.Id);
            }
        }
    }

    /// <summary>The <c>session_epoch</c> claim of an access token (0 when absent).</summary>
    private static long SessionEpochOf(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var json = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=')));
        return json.RootElement.TryGetProperty("session_epoch", out var epoch)
            ? epoch.ValueKind == JsonValueKind.Number ? epoch.GetInt64() : long.Parse(epoch.GetString()!)
            : 0;
    }

    private async Task PublishSessionsEndedAsync(Guid userId, long sessionEpoch)
    {
        using var bus = new BusManagement(stack.VirtualHost);
        var eventId = Guid.NewGuid();
        await bus.PublishAsync("roomcast.user-sessions-ended", "roomcast:events:user-sessions-ended", eventId, new
        {
            eventId,
            occurredAt = DateTimeOffset.UtcNow,
            userId,
            sessionEpoch,
            reason = SessionEndReasons.LogoutEverywhere,
            actorId = userId,
            audience = new[] { RoomName.Admin.ToString(), RoomName.User(userId).ToString() },
            outboxPosition = 0,
        });
    }


    /// <summary>A change every signed-in user reads, made after everything before it: events reach a connection in order.</summary>
    private async Task FenceAsync()
    {
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        (await alice.SendAsync(HttpMethod.Put, $"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = $"fence {Guid.NewGuid():N}" } })).ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>Why the gateway refused a connection: SignalR's close error, as the client reports it.</summary>
    private static async Task<string> RefusalOfAsync(HubConnection hub)
    {
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        try
        {
            await hub.StartAsync();
        }
        catch (Exception exception)
        {
            return exception.ToString();
        }

        // The handshake succeeded; a refusal in OnConnectedAsync closes the connection right after it.
        var error = await closed.Task.WaitAsync(Patience);
        return error?.Message ?? "closed without a reason";
    }

    private async Task<LiveConnection> ConnectAsync(string token, int gateway, string name)
    {
        var hub = TestHubConnections.Build(stack.HubUrlOf(gateway), token);
        _connections.Add(hub);
        var connection = new LiveConnection(hub, new EventInbox(hub, name, () => stack.Logs));
        await hub.StartAsync();
        // StartAsync returns at the handshake, before OnConnectedAsync has set the rooms; the hub reads
        // no call before that, so the answer to one proves the rooms are set.
        await Should.ThrowAsync<HubException>(() => hub.InvokeAsync<object>("ROOMS_SET_PROBE"));
        return connection;
    }
}

/// <summary>A test's SignalR connection, what it received, and why it was closed.</summary>
internal sealed class LiveConnection
{
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LiveConnection(HubConnection hub, EventInbox inbox)
    {
        Hub = hub;
        Inbox = inbox;
        hub.Closed += error =>
        {
            _closed.TrySetResult(error);
            return Task.CompletedTask;
        };
    }

    public HubConnection Hub { get; }

    public EventInbox Inbox { get; }

    /// <summary>The error the server closed this connection with; fails when it stays open longer than <paramref name="patience"/>.</summary>
    public async Task<string> ClosedAsync(TimeSpan patience, RoomcastStack stack)
    {
        try
        {
            var error = await _closed.Task.WaitAsync(patience);
            return error?.Message ?? "closed without a reason";
        }
        catch (TimeoutException)
        {
            throw new ShouldAssertException($"{Inbox.Name} was still open after {patience.TotalSeconds} s{Environment.NewLine}{stack.Logs}");
        }
    }
}
