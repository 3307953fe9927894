using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Rooms;
using Roomcast.EndToEndTests.DocumentsApi;
using Roomcast.EndToEndTests.Identity;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// <c>Resume</c> returns only events the user could read when they happened: a room gained later —
/// a group joined, a root room joined — does not reach back to what passed in it before.
/// </summary>
[Collection(HistoryCollection.Name)]
public sealed class ResumeAccessTests(HistoryStack stack) : IAsyncLifetime
{
    private const int Earlier = 5;
    private static readonly TimeSpan SyncPatience = TimeSpan.FromSeconds(20);
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AUserAddedToAGroupResumesNoneOfTheGroupsEarlierEventsButThoseAfterTheAdditionWhileAMemberThroughoutGetsThemAll()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await admin.CreateGroupAsync(IdentityApi.FreshName("resume-group"))).GetProperty("id").GetGuid();
        var (holderName, holder) = await RegisterAsync(admin, "holder");
        var (newcomerName, newcomer) = await RegisterAsync(admin, "newcomer");
        (await admin.PutAsync(IdentityApi.Member(group, holder), null)).ShouldBe(HttpStatusCode.Created);

        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        var root = await bob.CreateRootIdAsync("a group's root");
        await Poll.UntilAsync(() => bob.SendAsync(HttpMethod.Put, $"/api/v1/roots/{root}/permissions/groups/{group}", new { access = "RO" }),
            answer => answer.Status == HttpStatusCode.Created, "documents-api to know the new group", SyncPatience);
        using var holderApi = ApiUser.Anonymous(stack, (await IdentityApi.StartSessionAsync(stack, holderName)).AccessToken);
        await Poll.UntilAsync(() => holderApi.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.OK, "documents-api to see the holder in the group", SyncPatience);

        var holderInbox = await ConnectAsync(holderName, gateway: 1);
        var newcomerInbox = await ConnectAsync(newcomerName, gateway: 0);
        var (lastSeq, epoch) = await PositionFromTheNoticeAsync(holderInbox, newcomerInbox);

        var earlier = new List<Guid>();
        for (var i = 0; i < Earlier; i++)
        {
            earlier.Add(await bob.CreateDocumentIdAsync(root));
        }
        var deleted = earlier[^1];
        (await bob.DeleteAsync($"/api/v1/documents/{deleted}")).ShouldBe(HttpStatusCode.NoContent);
        // Once the holder has them live, they are in the history (an event is appended before it is sent).
        await UntilAsync(holderInbox, received => IsDocument(received, ClientEvents.DeletedRecord, deleted));

        (await admin.PutAsync(IdentityApi.Member(group, newcomer), null)).ShouldBe(HttpStatusCode.Created);
        // The gateway moves the newcomer's connections into the group room before it delivers the membership.
        await UntilAsync(newcomerInbox, received => received.Name == ClientEvents.NewRecord && received.Type == RecordTypes.GroupMembership);
        var after = await bob.CreateDocumentIdAsync(root);
        await UntilAsync(newcomerInbox, received => IsDocument(received, ClientEvents.NewRecord, after));
        await UntilAsync(holderInbox, received => IsDocument(received, ClientEvents.NewRecord, after));

        var newcomerBack = await stack.ConnectAsync(await StartAsync(newcomerName), gateway: 1);
        _connections.Add(newcomerBack);
        var resumed = await newcomerBack.InvokeAsync<ResumeResult>(ClientMethods.Resume, lastSeq, epoch);

        resumed.Reload.ShouldBeFalse(resumed.Reason);
        var ids = RecordIds(resumed);
        ids.Intersect(earlier).ShouldBeEmpty(
            $"the newcomer resumed documents created (and deleted) before it joined the group: {Describe(resumed)}");
        ids.ShouldContain(after, $"the document created after the addition is the newcomer's to resume: {Describe(resumed)}");

        var holderBack = await stack.ConnectAsync(await StartAsync(holderName), gateway: 0);
        _connections.Add(holderBack);
        var held = await holderBack.InvokeAsync<ResumeResult>(ClientMethods.Resume, lastSeq, epoch);

        held.Reload.ShouldBeFalse(held.Reason);
        RecordIds(held).Distinct().ShouldBe([.. earlier, after], ignoreOrder: false, $"a member throughout resumes every change of the group's root: {Describe(held)}");
    }

    [Fact]
    public async Task AUserWhoJoinsARootRoomAfterBeingGrantedTheRootResumesNoneOfItsEarlierEvents()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var (newcomerName, newcomer) = await RegisterAsync(admin, "joiner");
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        var root = await bob.CreateRootIdAsync("a root granted later");

        var newcomerHub = await stack.ConnectAsync(await StartAsync(newcomerName), gateway: 0);
        _connections.Add(newcomerHub);
        var newcomerInbox = new EventInbox(newcomerHub, "joiner on instance 0", () => stack.Logs);
        var watcher = await ConnectAsync(World.UsernameOf(World.Alice), gateway: 0);
        var (lastSeq, epoch) = await PositionFromTheNoticeAsync(watcher, newcomerInbox);

        var earlier = new List<Guid>();
        for (var i = 0; i < Earlier; i++)
        {
            earlier.Add(await bob.CreateDocumentIdAsync(root));
        }
        await UntilAsync(watcher, received => IsDocument(received, ClientEvents.NewRecord, earlier[^1]));

        await Poll.UntilAsync(() => bob.SendAsync(HttpMethod.Put, $"/api/v1/roots/{root}/permissions/users/{newcomer}", new { access = "RO" }),
            answer => answer.Status is HttpStatusCode.Created or HttpStatusCode.OK, "documents-api to know the new user", SyncPatience);
        (await newcomerHub.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}")).Member.ShouldBeTrue();
        var after = await bob.CreateDocumentIdAsync(root);
        await UntilAsync(newcomerInbox, received => IsDocument(received, ClientEvents.NewRecord, after));

        var resumed = await newcomerHub.InvokeAsync<ResumeResult>(ClientMethods.Resume, lastSeq, epoch);

        resumed.Reload.ShouldBeFalse(resumed.Reason);
        var ids = RecordIds(resumed);
        ids.Intersect(earlier).ShouldBeEmpty($"the joiner resumed documents created before it could read the root: {Describe(resumed)}");
        ids.ShouldContain(after, $"the document created after the grant is the joiner's to resume: {Describe(resumed)}");
    }

    [Fact]
    public async Task AUserPromotedThroughAnAccountChangeResumesNoneOfTheAdminRoomsEarlierEventsButThoseAfterThePromotion()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var (promotedName, promoted) = await RegisterAsync(admin, "changed-to-admin");
        var promotedInbox = await ConnectAsync(promotedName, gateway: 0);
        var watcher = await ConnectAsync(World.UsernameOf(World.Alice), gateway: 1);
        var (lastSeq, epoch) = await PositionFromTheNoticeAsync(watcher, promotedInbox);

        var before = await BusManagement.PublishNoteToAdminRoomOnlyAsync(stack.VirtualHost, World.Alice, "for admins, before the promotion");
        await UntilAsync(watcher, received => IsDocument(received, ClientEvents.NewRecord, before));

        // identity's account change carrying the role: a newer version than anything identity published of this account.
        await PublishUserChangedAsync(promoted, promotedName, isAdmin: true, version: 1_000);
        // The gateway moves the user's connections into admin before it delivers the change.
        await UntilAsync(promotedInbox, received => received.Name == ClientEvents.ChangedRecord && received.Type == RecordTypes.User && received.Id == promoted);
        var after = await BusManagement.PublishNoteToAdminRoomOnlyAsync(stack.VirtualHost, World.Alice, "for admins, after the promotion");
        await UntilAsync(promotedInbox, received => IsDocument(received, ClientEvents.NewRecord, after));

        var back = await stack.ConnectAsync(await StartAsync(promotedName), gateway: 1);
        _connections.Add(back);
        var resumed = await back.InvokeAsync<ResumeResult>(ClientMethods.Resume, lastSeq, epoch);

        resumed.Reload.ShouldBeFalse(resumed.Reason);
        var ids = RecordIds(resumed);
        ids.ShouldNotContain(before, $"the promoted user resumed an admin-room event from before the promotion: {Describe(resumed)}");
        ids.ShouldContain(after, $"the admin-room event after the promotion is the promoted user's to resume: {Describe(resumed)}");
    }

    /// <summary>Publishes identity's <c>UserChanged</c> of <paramref name="userId"/>, as identity's outbox relay would.</summary>
    private async Task PublishUserChangedAsync(Guid userId, string username, bool isAdmin, long version)
    {
        using var bus = new BusManagement(stack.VirtualHost);
        var eventId = Guid.NewGuid();
        await bus.PublishAsync("roomcast.user-changed", "roomcast:events:user-changed", eventId, new
        {
            eventId,
            occurredAt = DateTimeOffset.UtcNow,
            userId,
            username,
            isAdmin,
            version,
            actorId = World.Alice,
            audience = new[] { RoomName.Admin.ToString(), RoomName.User(userId).ToString() },
            outboxPosition = 0,
        });
    }


    /// <summary>Both inboxes receive a change of the notice (shared with everyone); its seq and epoch are the position to resume from.</summary>
    private async Task<(long Seq, string Epoch)> PositionFromTheNoticeAsync(EventInbox first, EventInbox second)
    {
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        var text = $"position {Guid.NewGuid():N}";
        (await alice.SendAsync(HttpMethod.Put, $"/api/v1/documents/{World.NoticeDocument}", new { data = new { text } })).ShouldBe(HttpStatusCode.OK);
        bool IsIt(ReceivedEvent received) =>
            received.Name == ClientEvents.ChangedDocument && received.Payload.GetProperty("data").GetProperty("text").GetString() == text;
        await UntilAsync(first, IsIt);
        var notice = (await UntilAsync(second, IsIt))[^1];
        return (notice.Payload.GetProperty("seq").GetInt64(), notice.Payload.GetProperty("epoch").GetString()!);
    }

    private static async Task<(string Name, Guid Id)> RegisterAsync(ServiceClient admin, string prefix)
    {
        var name = IdentityApi.FreshName(prefix);
        return (name, await admin.RegisterAsync(name));
    }

    private async Task<string> StartAsync(string username) => (await IdentityApi.StartSessionAsync(stack, username)).AccessToken;

    private async Task<EventInbox> ConnectAsync(string username, int gateway)
    {
        var connection = await stack.ConnectAsync(await StartAsync(username), gateway);
        _connections.Add(connection);
        return new EventInbox(connection, $"{username} on instance {gateway}", () => stack.Logs);
    }

    /// <summary>Reads the inbox until <paramref name="until"/> matches; returns everything read, that one last.</summary>
    private static async Task<List<ReceivedEvent>> UntilAsync(EventInbox inbox, Func<ReceivedEvent, bool> until)
    {
        var seen = new List<ReceivedEvent>();
        while (true)
        {
            var next = await inbox.NextAsync();
            seen.Add(next);
            if (until(next))
            {
                return seen;
            }
        }
    }

    private static bool IsDocument(ReceivedEvent received, string name, Guid id) =>
        received.Name == name && received.Type == RecordTypes.Document && received.Id == id;

    private static List<Guid> RecordIds(ResumeResult result) =>
        [.. result.Events.Where(missed => missed.Name is ClientEvents.NewRecord or ClientEvents.DeletedRecord && IsDocument(missed))
            .Select(missed => new ReceivedEvent(missed.Name, missed.Payload).Id)];

    private static bool IsDocument(MissedEvent missed) => new ReceivedEvent(missed.Name, missed.Payload).Type == RecordTypes.Document;

    private static string Describe(ResumeResult result) =>
        string.Join(" | ", result.Events.Select(missed => $"{missed.Name} {missed.Payload.GetRawText()}"));
}
