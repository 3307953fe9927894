using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roomcast.Contracts.Rooms;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.EventLog;

/// <summary>
/// The admin endpoints an operator reads an event's story from: identity's and documents-api's event
/// logs (their outboxes) and the gateway's trace of what it did with the event.
/// </summary>
[Collection(EventLogCollection.Name)]
public sealed class EventLogTests(EventLogStack stack) : IAsyncLifetime
{
    private const string DocumentsLog = "/api/v1/admin/event-log/events";
    private const string GatewayTrace = "/api/v1/admin/events";
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AChangeShowsUpInTheLogWithItsPayloadAndTheGatewayTellsItsSeqAndThatItWasDelivered()
    {
        var carolConnection = await stack.ConnectAsync(await stack.LoginAsync(World.Carol));
        _connections.Add(carolConnection);
        var carol = new ClientInbox(carolConnection, "carol");
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        (await bob.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = "logged" } })).EnsureSuccessStatusCode();
        // A change committed before carol connected (another test's) may still reach her first.
        var received = await carol.NextAsync();
        while (received.Id != World.PlanDocument || !received.Data.TryGetProperty("text", out var text) || text.GetString() != "logged")
        {
            received = await carol.NextAsync();
        }

        using var admin = AdminApi.Client(stack.Documents.BaseAddress, await stack.LoginAsync(World.Alice));
        var page = await AdminApi.GetUntilAsync(admin,
            $"{DocumentsLog}?recordType=Document&recordId={World.PlanDocument}&actor={World.Bob}",
            answer => answer.GetProperty("events").EnumerateArray().Any(entry => entry.GetProperty("eventId").GetGuid() == received.EventId),
            "the change in documents-api's event log");
        var listed = page.GetProperty("events").EnumerateArray().Single(entry => entry.GetProperty("eventId").GetGuid() == received.EventId);
        listed.GetProperty("service").GetString().ShouldBe("documents-api");
        listed.GetProperty("eventType").GetString().ShouldBe("DocumentChanged");
        listed.GetProperty("recordId").GetGuid().ShouldBe(World.PlanDocument);
        listed.GetProperty("actorId").GetGuid().ShouldBe(World.Bob);
        listed.GetProperty("audience").EnumerateArray().Select(room => room.GetString()).ShouldContain(RoomName.User(World.Carol).ToString());
        listed.GetProperty("position").GetInt64().ShouldBeGreaterThan(0);
        listed.GetProperty("payload").ValueKind.ShouldBe(JsonValueKind.Null, "a list leaves payloads out unless asked");

        var shown = await AdminApi.GetOkAsync(admin, $"{DocumentsLog}/{received.EventId}");
        shown.GetProperty("payload").GetProperty("data").GetProperty("text").GetString().ShouldBe("logged");
        shown.GetProperty("publishedAt").GetDateTimeOffset().ShouldBeGreaterThanOrEqualTo(shown.GetProperty("committedAt").GetDateTimeOffset());

        using var gateway = AdminApi.Client(stack.Gateway.BaseAddress, await stack.LoginAsync(World.Alice));
        var trace = await AdminApi.GetUntilAsync(gateway,
            $"{GatewayTrace}/{received.EventId}",
            answer => answer.GetProperty("state").GetString() == "delivered",
            "the gateway's trace says delivered");
        trace.GetProperty("seq").GetInt64().ShouldBe(received.Seq);
        trace.GetProperty("inHistory").GetBoolean().ShouldBeTrue();
        trace.GetProperty("clientEvent").GetString().ShouldBe("CHANGED_DOCUMENT");
        trace.GetProperty("connectionsHere").GetProperty(RoomName.User(World.Carol).ToString()).GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task TheLogIsReadInPagesAndFilteredByRoom()
    {
        using var alice = stack.DocumentsClient(await stack.LoginAsync(World.Alice));
        for (var change = 0; change < 3; change++)
        {
            (await alice.PutAsJsonAsync($"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = $"page {change}" } })).EnsureSuccessStatusCode();
        }

        using var admin = AdminApi.Client(stack.Documents.BaseAddress, await stack.LoginAsync(World.Alice));
        var all = await AdminApi.GetUntilAsync(admin,
            $"{DocumentsLog}?recordId={World.NoticeDocument}",
            answer => answer.GetProperty("events").GetArrayLength() >= 3,
            "three changes of the notice in the log");
        var positions = all.GetProperty("events").EnumerateArray().Select(entry => entry.GetProperty("position").GetInt64()).ToList();
        positions.ShouldBe(positions.Order().ToList(), "a page is in position order");

        var first = await AdminApi.GetOkAsync(admin, $"{DocumentsLog}?recordId={World.NoticeDocument}&limit=1");
        first.GetProperty("events").GetArrayLength().ShouldBe(1);
        var next = first.GetProperty("nextAfterPosition").GetInt64();
        next.ShouldBe(positions[0]);
        var second = await AdminApi.GetOkAsync(admin, $"{DocumentsLog}?recordId={World.NoticeDocument}&limit=1&afterPosition={next}");
        second.GetProperty("events")[0].GetProperty("position").GetInt64().ShouldBe(positions[1]);
        second.GetProperty("lastPosition").GetInt64().ShouldBeGreaterThanOrEqualTo(positions[^1]);

        var toDave = await AdminApi.GetOkAsync(admin, $"{DocumentsLog}?room={Uri.EscapeDataString(RoomName.Root(World.PlanRoot).ToString())}&recordId={World.NoticeDocument}");
        toDave.GetProperty("events").GetArrayLength().ShouldBe(0, "the notice is not sent to the plan's room");
    }

    [Fact]
    public async Task IdentitysLogHoldsItsOwnEvents()
    {
        using var identity = AdminApi.Client(stack.Identity.BaseAddress, await stack.LoginAsync(World.Alice));
        using var created = await identity.PostAsJsonAsync("/api/v1/groups", new { name = $"logged-{Guid.NewGuid():N}"[..20] });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var group = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var page = await AdminApi.GetUntilAsync(identity,
            $"{DocumentsLog}?recordType=StudentGroup&recordId={group}&payload=true",
            answer => answer.GetProperty("events").GetArrayLength() == 1,
            "the group's creation in identity's event log");
        var entry = page.GetProperty("events")[0];
        entry.GetProperty("service").GetString().ShouldBe("identity");
        entry.GetProperty("eventType").GetString().ShouldBe("StudentGroupCreated");
        entry.GetProperty("recordType").GetString().ShouldBe("StudentGroup");
        entry.GetProperty("actorId").GetGuid().ShouldBe(World.Alice);
        entry.GetProperty("payload").GetProperty("groupId").GetGuid().ShouldBe(group);
    }

    [Fact]
    public async Task OnlyAdminsReadTheLogsAndTheTraces()
    {
        var bobToken = await stack.LoginAsync(World.Bob);
        var someEvent = Guid.NewGuid();
        foreach (var (service, path) in new[]
        {
            (stack.Identity.BaseAddress, DocumentsLog),
            (stack.Documents.BaseAddress, DocumentsLog),
            (stack.Documents.BaseAddress, $"{DocumentsLog}/{someEvent}"),
            (stack.Gateway.BaseAddress, $"{GatewayTrace}/{someEvent}"),
        })
        {
            using var bob = AdminApi.Client(service, bobToken);
            using var forbidden = await bob.GetAsync(path);
            await forbidden.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "https://roomcast.dev/problems/forbidden");
            using var anonymous = AdminApi.Client(service, accessToken: null);
            using var unauthenticated = await anonymous.GetAsync(path);
            await unauthenticated.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "https://roomcast.dev/problems/unauthenticated");
        }
    }

    [Theory]
    [InlineData(DocumentsLog + "?limit=0")]
    [InlineData(DocumentsLog + "?limit=5000")]
    [InlineData(DocumentsLog + "?afterPosition=10&beforePosition=5")]
    [InlineData(DocumentsLog + "?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")]
    [InlineData(DocumentsLog + "?recordId=not-a-uuid")]
    [InlineData(DocumentsLog + "/not-a-uuid")]
    public async Task ABadQueryIsAnInvalidValue(string path)
    {
        using var admin = AdminApi.Client(stack.Documents.BaseAddress, await stack.LoginAsync(World.Alice));
        using var response = await admin.GetAsync(path);
        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "https://roomcast.dev/problems/invalid-values");
    }

    [Fact]
    public async Task AnUnknownEventIsNotFoundInTheLogAndUnknownToTheGateway()
    {
        var unknown = Guid.NewGuid();
        using var admin = AdminApi.Client(stack.Documents.BaseAddress, await stack.LoginAsync(World.Alice));
        using var response = await admin.GetAsync($"{DocumentsLog}/{unknown}");
        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "https://roomcast.dev/problems/not-found");

        using var gateway = AdminApi.Client(stack.Gateway.BaseAddress, await stack.LoginAsync(World.Alice));
        var trace = await AdminApi.GetOkAsync(gateway, $"{GatewayTrace}/{unknown}");
        trace.GetProperty("state").GetString().ShouldBe("unknown");
        trace.GetProperty("seq").ValueKind.ShouldBe(JsonValueKind.Null);
    }
}
