using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.EndToEndTests.DocumentsApi;
using Roomcast.EndToEndTests.Identity;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// Two gateways on the backplane that ask documents-api through a <see cref="HoldingHttpProxy"/>, and a
/// documents-api whose bus link runs through a <see cref="LoopbackForwarder"/>, so a test can hold an
/// access answer or keep documents-api from hearing identity's events while everything else goes on.
/// </summary>
public sealed class RootAccessRaceStack : RoomcastStack, IAsyncLifetime
{
    private static readonly TestStackSettings Servers = TestStackSettings.Current;
    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";

    private HoldingHttpProxy? _proxy;

    public HoldingHttpProxy Proxy => _proxy ?? throw new InvalidOperationException("The stack has not started.");

    /// <summary>documents-api's link to RabbitMQ.</summary>
    public LoopbackForwarder DocumentsBus { get; } = LoopbackForwarder.Start($"{Servers.RabbitMqHost}:{Servers.RabbitMqPort}", TimeSpan.FromMinutes(30));

    protected override int GatewayCount => 2;

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = Servers.Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
        // A held answer must not time out: the test releases it.
        ["RoomAccess__Timeout"] = "00:00:45",
        // Long enough that the test, not the gateway's patience, decides when documents-api catches up.
        ["RoomAccess__MembershipCatchUpTimeout"] = "00:02:00",
    };

    protected override Dictionary<string, string> DocumentsSettings => new()
    {
        ["RabbitMq__Host"] = "127.0.0.1",
        ["RabbitMq__Port"] = DocumentsBus.Endpoint.Split(':')[1],
    };

    protected override async Task<string> GatewayDocumentsApiUrlAsync(string documentsApiUrl)
    {
        _proxy ??= await HoldingHttpProxy.StartAsync();
        _proxy.Target = new Uri(documentsApiUrl);
        return _proxy.Url;
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await DocumentsBus.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }
}

/// <summary>
/// A revocation that happens while the gateway asks documents-api wins: a JOIN_ROOM answered "readable"
/// just before a revocation the gateway applies first leaves the connection out (and caches nothing),
/// and after a group departure the gateway lets a connection back into a root room only once
/// documents-api has applied that departure itself.
/// </summary>
public sealed class RootAccessRaceTests(RootAccessRaceStack stack) : IClassFixture<RootAccessRaceStack>, IAsyncLifetime
{
    private static readonly TimeSpan SyncPatience = TimeSpan.FromSeconds(60);
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AJoinAnsweredReadableJustBeforeARevocationTheGatewayAppliedFirstLeavesTheConnectionOut()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        var root = await bob.CreateRootIdAsync("revoked during the join");
        await bob.GrantAsync(root, World.Carol, "RO");
        var document = await bob.CreateDocumentIdAsync(root);
        var carol = await ConnectAsync(World.Carol, gateway: 1);
        var carolInbox = new EventInbox(carol, "carol (joining)");
        var bobInbox = new EventInbox(await ConnectAsync(World.Bob, gateway: 1), "bob (the root's creator)");

        var held = stack.Proxy.HoldNext($"/api/v1/roots/{root}");
        var join = carol.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}");
        (await held.Arrived.WaitAsync(SyncPatience)).ShouldBe(200, "documents-api should say carol may read the root before her grant goes");

        (await bob.DeleteAsync($"/api/v1/roots/{root}/permissions/users/{World.Carol}")).ShouldBe(HttpStatusCode.NoContent);
        // The gateway applies a revocation before it delivers the event that says so: once carol hears
        // of it, her instance has applied it, while documents-api's "yes" is still on its way.
        await UntilAsync(carolInbox, received => received.Name == ClientEvents.DeletedRecord && received.Type == RecordTypes.UserPermission);
        held.Release();
        string? refusal = null;
        try
        {
            await join;
        }
        catch (HubException exception)
        {
            refusal = exception.Message;
        }

        (await bob.SendAsync(HttpMethod.Put, $"/api/v1/documents/{document}", new { data = new { text = "not for carol" } })).ShouldBe(HttpStatusCode.OK);
        await UntilAsync(bobInbox, received => received.Name == ClientEvents.ChangedDocument && received.Id == document);
        (await alice.SendAsync(HttpMethod.Put, $"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = "fence" } })).ShouldBe(HttpStatusCode.OK);
        var seen = await UntilAsync(carolInbox, received => received.Name == ClientEvents.ChangedDocument && received.Id == World.NoticeDocument);
        seen.ShouldNotContain(received => received.Name == ClientEvents.ChangedDocument && received.Id == document,
            $"carol received a change of a root whose grant was revoked while her join was being checked: {string.Join(" | ", seen)}");
        refusal.ShouldNotBeNull("the join answered by documents-api before the revocation should be refused, not acknowledged");
        refusal.ShouldContain("no root you can read");

        // And the stale "yes" was not kept: asked again, the gateway refuses.
        var again = await Should.ThrowAsync<HubException>(() => carol.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}"));
        again.Message.ShouldContain("no root you can read");
    }

    [Fact]
    public async Task AGroupDepartureKeepsTheConnectionOutOfTheRootRoomUntilDocumentsApiHasAppliedIt()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await admin.CreateGroupAsync(IdentityApi.FreshName("recheck"))).GetProperty("id").GetGuid();
        (await admin.PutAsync(IdentityApi.Member(group, World.Dave), null)).ShouldBe(HttpStatusCode.Created);
        var root = await bob.CreateRootIdAsync("through a group");
        var document = await bob.CreateDocumentIdAsync(root);
        await Poll.UntilAsync(() => bob.SendAsync(HttpMethod.Put, $"/api/v1/roots/{root}/permissions/groups/{group}", new { access = "RO" }),
            answer => answer.Status == HttpStatusCode.Created, "documents-api to know the new group", SyncPatience);
        using var daveApi = await ApiUser.LoginAsync(stack, World.Dave);
        await Poll.UntilAsync(() => daveApi.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.OK,
            "documents-api to see dave join the group", SyncPatience);
        var inboxes = new List<EventInbox>();
        for (var gateway = 0; gateway < 2; gateway++)
        {
            var dave = await ConnectAsync(World.Dave, gateway);
            inboxes.Add(new EventInbox(dave, $"dave on instance {gateway}"));
            (await dave.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}")).Member.ShouldBeTrue();
        }

        var rootPath = $"/api/v1/roots/{root}";
        stack.DocumentsBus.Sever();
        try
        {
            var beforeRemoval = stack.Proxy.Answers.Count;
            (await admin.DeleteAsync(IdentityApi.Member(group, World.Dave))).ShouldBe(HttpStatusCode.NoContent);
            foreach (var inbox in inboxes)
            {
                await UntilAsync(inbox, received => received.Name == ClientEvents.ChangedRecord && received.Type == RecordTypes.GroupMembership);
            }

            // Both instances asked documents-api again while it had not heard of the departure.
            await Poll.UntilAsync(() => Task.FromResult(stack.Proxy.Answers.Skip(beforeRemoval).Count(answer => answer.Path == rootPath) >= 2),
                "both gateways to ask documents-api again about dave's root", SyncPatience, () => string.Join(" | ", stack.Proxy.Answers.Skip(beforeRemoval)));
            (await daveApi.GetAsync(rootPath)).ShouldBe(HttpStatusCode.OK, "documents-api should not have heard of the departure yet");
        }
        finally
        {
            stack.DocumentsBus.Restore();
        }

        var caughtUp = stack.Proxy.Answers.Count;
        await Poll.UntilAsync(() => daveApi.GetAsync(rootPath), answer => answer.Status == HttpStatusCode.NotFound,
            "documents-api to catch up with dave's departure", SyncPatience);
        (await bob.SendAsync(HttpMethod.Put, $"/api/v1/documents/{document}", new { data = new { text = "members only" } })).ShouldBe(HttpStatusCode.OK);
        (await alice.SendAsync(HttpMethod.Put, $"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = "fence" } })).ShouldBe(HttpStatusCode.OK);
        foreach (var inbox in inboxes)
        {
            var seen = await UntilAsync(inbox, received => received.Name == ClientEvents.ChangedDocument && received.Id == World.NoticeDocument);
            seen.ShouldNotContain(received => received.Name == ClientEvents.ChangedDocument && received.Id == document,
                $"{inbox.Name} got back into the root room on documents-api's stale answer: {string.Join(" | ", seen)}");
        }

        // Once documents-api has caught up, its answer settles it: no.
        await Poll.UntilAsync(() => Task.FromResult(stack.Proxy.Answers.Skip(caughtUp).Any(answer => answer.Path == rootPath && answer.Status == 404)),
            "the gateways to hear documents-api's caught-up answer", SyncPatience, () => string.Join(" | ", stack.Proxy.Answers.Skip(caughtUp)));
    }

    [Fact]
    public async Task AGatewayStartedAfterAGroupDepartureLetsTheUserIntoTheRootRoomOnlyOnceDocumentsApiHasAppliedIt()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await admin.CreateGroupAsync(IdentityApi.FreshName("started-later"))).GetProperty("id").GetGuid();
        (await admin.PutAsync(IdentityApi.Member(group, World.Dave), null)).ShouldBe(HttpStatusCode.Created);
        var root = await bob.CreateRootIdAsync("through a group, for a later instance");
        await Poll.UntilAsync(() => bob.SendAsync(HttpMethod.Put, $"/api/v1/roots/{root}/permissions/groups/{group}", new { access = "RO" }),
            answer => answer.Status == HttpStatusCode.Created, "documents-api to know the new group", SyncPatience);
        var rootPath = $"/api/v1/roots/{root}";
        using var daveApi = await ApiUser.LoginAsync(stack, World.Dave);
        await Poll.UntilAsync(() => daveApi.GetAsync(rootPath), answer => answer.Status == HttpStatusCode.OK,
            "documents-api to see dave join the group", SyncPatience);
        var heardIt = new EventInbox(await ConnectAsync(World.Dave, gateway: 0), "dave on the instance that consumed the departure");

        stack.DocumentsBus.Sever();
        try
        {
            (await admin.DeleteAsync(IdentityApi.Member(group, World.Dave))).ShouldBe(HttpStatusCode.NoContent);
            // The consuming instance records the departure before it delivers the event that says so.
            await UntilAsync(heardIt, received => received.Name == ClientEvents.ChangedRecord && received.Type == RecordTypes.GroupMembership);
            var startedLater = await ConnectAsync(World.Dave, await stack.StartGatewayAsync());
            (await daveApi.GetAsync(rootPath)).ShouldBe(HttpStatusCode.OK, "documents-api should not have heard of the departure yet");

            var refused = await Should.ThrowAsync<HubException>(() => startedLater.InvokeAsync<RoomAck>(ClientMethods.JoinRoom, $"root:{root}"),
                "an instance started after the departure let dave into the root room on documents-api's stale answer");
            refused.Message.ShouldContain("has not caught up yet");
        }
        finally
        {
            stack.DocumentsBus.Restore();
        }
    }

    [Fact]
    public async Task DocumentsApiAnswersAnAfterMembershipQuestionOnlyOnceItHasAppliedThatMembershipVersion()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await admin.CreateGroupAsync(IdentityApi.FreshName("after"))).GetProperty("id").GetGuid();
        // The group's first membership change: version 1.
        (await admin.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        var root = await bob.CreateRootIdAsync("after membership", sharedAccess: "RO");
        using var carol = stack.DocumentsClient(await stack.LoginAsync(World.Carol));

        async Task<HttpResponseMessage> AskAsync(string after)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/roots/{root}");
            request.Headers.TryAddWithoutValidation("Roomcast-After-Membership", after);
            return await carol.SendAsync(request);
        }

        await Poll.UntilAsync(async () =>
        {
            using var answer = await AskAsync($"{group:D}:1");
            return answer.StatusCode == HttpStatusCode.OK;
        }, "documents-api to apply carol's membership, version 1", SyncPatience);

        using var ahead = await AskAsync($"{group:D}:1, {group:D}:2");
        ahead.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "version 2 of the membership was never applied");
        ahead.Headers.RetryAfter.ShouldNotBeNull();
        ahead.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        (await ahead.Content.ReadAsStringAsync()).ShouldContain("https://roomcast.dev/problems/membership-not-yet-applied");

        using var malformed = await AskAsync($"{group:D}");
        malformed.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        using var unrelated = await AskAsync($"{Guid.NewGuid():D}:1");
        unrelated.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "a group documents-api never heard of has no applied version");
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
