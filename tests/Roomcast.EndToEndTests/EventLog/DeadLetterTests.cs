using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roomcast.Contracts.Rooms;
using Roomcast.EndToEndTests.Gateway;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.EventLog;

/// <summary>
/// The gateway's error queue through its admin endpoints: a message that failed is listed with why, a
/// redrive puts it back on the queue once (a second redrive finds nothing to do) and the client gets the
/// event once; a purge drops a message for good.
/// </summary>
[Collection(EventLogCollection.Name)]
public sealed class DeadLetterTests(EventLogStack stack) : IAsyncLifetime
{
    private const string Queue = "realtime-gateway.events";
    private const string DeadLetters = "/api/v1/admin/dead-letters";
    private readonly ClientConnections _connections = new();
    private readonly BusManagement _bus = new(stack.VirtualHost);

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _bus.Dispose();
        await _connections.DisposeAsync();
    }

    [Fact]
    public async Task ADeadLetteredEventIsListedRedrivenOnceAndDeliveredOnce()
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(World.Carol));
        _connections.Add(connection);
        var carol = new EventInbox(connection, "carol", () => stack.Logs);
        using var admin = AdminApi.Client(stack.Gateway.BaseAddress, await stack.LoginAsync(World.Alice));

        // A poison message fails for real (a room outside the grammar) and lands in the error queue with MassTransit's fault headers.
        var poison = Guid.NewGuid();
        await _bus.PublishBobsPlanEditAsync(World, poison, "poison", "no-such-room");
        var listed = await AdminApi.GetUntilAsync(admin, DeadLetters,
            answer => LettersIn(answer).Any(letter => letter.GetProperty("messageId").GetGuid() == poison),
            "the poison message in the gateway's dead letters");
        var poisoned = LettersIn(listed).Single(letter => letter.GetProperty("messageId").GetGuid() == poison);
        poisoned.GetProperty("queue").GetString().ShouldBe(Queue);
        poisoned.GetProperty("eventId").GetGuid().ShouldBe(poison);
        poisoned.GetProperty("exceptionType").GetString().ShouldNotBeNullOrEmpty();

        // A good event that failed while something was away: put in the error queue as MassTransit would have.
        var missed = Guid.NewGuid();
        await _bus.PutInQueueAsync($"{Queue}_error", BusManagement.DocumentChangedUrn, missed, BusManagement.BobsPlanEdit(World, missed, "missed", RoomName.User(World.Carol).ToString()),
            new() { ["MT-Fault-ExceptionType"] = "System.TimeoutException", ["MT-Fault-Message"] = "simulated outage", ["MT-Reason"] = "fault" });
        var shown = await AdminApi.GetOkAsync(admin, $"{DeadLetters}/{missed}");
        shown.GetProperty("reason").GetString().ShouldBe("simulated outage");
        shown.GetProperty("message").GetProperty("data").GetProperty("text").GetString().ShouldBe("missed");

        var redriven = await PostOkAsync(admin, $"{DeadLetters}/redrive?queue={Queue}&messageId={missed}");
        redriven.GetProperty("done").EnumerateArray().Select(letter => letter.GetProperty("messageId").GetGuid()).ShouldBe([missed]);
        var again = await PostOkAsync(admin, $"{DeadLetters}/redrive?messageId={missed}");
        again.GetProperty("done").GetArrayLength().ShouldBe(0);
        again.GetProperty("notFound").EnumerateArray().Select(id => id.GetGuid()).ShouldBe([missed]);

        (await carol.NextAsync()).Payload.GetProperty("eventId").GetGuid().ShouldBe(missed);
        var fence = Guid.NewGuid();
        await _bus.PublishBobsPlanEditAsync(World, fence, "fence", RoomName.User(World.Carol).ToString());
        (await carol.NextAsync()).Payload.GetProperty("eventId").GetGuid().ShouldBe(fence, "the redriven event reached carol twice");

        var purged = await PostOkAsync(admin, $"{DeadLetters}/purge?messageId={poison}");
        purged.GetProperty("done").GetArrayLength().ShouldBe(1);
        LettersIn(await AdminApi.GetOkAsync(admin, DeadLetters)).ShouldNotContain(letter => letter.GetProperty("messageId").GetGuid() == poison);
    }

    [Fact]
    public async Task OnlyAdminsManageDeadLettersAndAnUnknownQueueIsInvalid()
    {
        foreach (var service in new[] { stack.Identity.BaseAddress, stack.Documents.BaseAddress, stack.Gateway.BaseAddress })
        {
            using var bob = AdminApi.Client(service, await stack.LoginAsync(World.Bob));
            using var list = await bob.GetAsync(DeadLetters);
            await list.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "https://roomcast.dev/problems/forbidden");
            using var purge = await bob.PostAsync($"{DeadLetters}/purge", content: null);
            await purge.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "https://roomcast.dev/problems/forbidden");

            using var admin = AdminApi.Client(service, await stack.LoginAsync(World.Alice));
            var letters = await AdminApi.GetOkAsync(admin, DeadLetters);
            letters.GetProperty("queues").GetArrayLength().ShouldBe(1, letters.ToString());
            using var unknown = await admin.PostAsync($"{DeadLetters}/redrive?queue=no-such-queue", content: null);
            await unknown.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "https://roomcast.dev/problems/invalid-values");
        }
    }

    private static IEnumerable<JsonElement> LettersIn(JsonElement report) =>
        report.GetProperty("queues").EnumerateArray().SelectMany(queue => queue.GetProperty("messages").EnumerateArray());

    private static async Task<JsonElement> PostOkAsync(HttpClient http, string path)
    {
        using var response = await http.PostAsync(path, content: null);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"POST {path}: {body}");
        return JsonSerializer.Deserialize<JsonElement>(body);
    }
}
