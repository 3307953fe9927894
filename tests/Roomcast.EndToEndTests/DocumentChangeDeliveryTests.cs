using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests;

/// <summary>
/// One document change travels the whole path: HTTP → PostgreSQL row + outbox → relay → RabbitMQ →
/// gateway → SignalR clients, all real processes and servers.
/// </summary>
public sealed class DocumentChangeDeliveryTests(RoomcastStack stack) : IClassFixture<RoomcastStack>, IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AChangeReachesEveryReaderButNotItsOriginConnectionNorOutsiders()
    {
        var (bobOrigin, bobOrigin_) = await ConnectAsAsync(World.Bob, "bob (origin)");
        var (_, bobSecond) = await ConnectAsAsync(World.Bob, "bob (second connection)");
        var (_, carol) = await ConnectAsAsync(World.Carol, "carol (RO)");
        var (_, alice) = await ConnectAsAsync(World.Alice, "alice (admin)");
        var (_, dave) = await ConnectAsAsync(World.Dave, "dave (no access)");

        using var bobHttp = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/documents/{World.PlanDocument}")
        {
            Content = JsonContent.Create(new { data = new { text = "v2" } }),
        };
        request.Headers.Add(ClientMethods.OriginConnectionHeader, bobOrigin.ConnectionId);
        using var response = await bobHttp.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var saved = await response.Content.ReadFromJsonAsync<JsonElement>();
        saved.GetProperty("version").GetInt64().ShouldBe(2);

        foreach (var reader in new[] { carol, bobSecond, alice })
        {
            var received = await ReceiveAsync(reader);
            received.Id.ShouldBe(World.PlanDocument, reader.Name);
            received.Data.GetProperty("text").GetString().ShouldBe("v2", reader.Name);
            received.Version.ShouldBe(2, reader.Name);
            received.Seq.ShouldBeGreaterThan(0, reader.Name);
            received.EventId.ShouldNotBe(Guid.Empty, reader.Name);
        }

        // A later change everyone can read is the fence: events reach a connection in publish order,
        // so whoever gets the fence first never got the plan change.
        using var aliceHttp = stack.DocumentsClient(await stack.LoginAsync(World.Alice));
        (await aliceHttp.PutAsJsonAsync($"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = "fence" } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var outsider in new[] { bobOrigin_, dave })
        {
            var first = await ReceiveAsync(outsider);
            first.Id.ShouldBe(World.NoticeDocument, $"{outsider.Name} received the plan change it must not see");
        }

        foreach (var reader in new[] { carol, bobSecond, alice })
        {
            (await ReceiveAsync(reader)).Id.ShouldBe(World.NoticeDocument, reader.Name);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-jwt")]
    public async Task AConnectionWithoutAValidTokenIsRefused(string? token)
    {
        var refused = await Should.ThrowAsync<HttpRequestException>(() => stack.ConnectAsync(token));
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AUserWhoCannotReadTheDocumentIsToldItDoesNotExist()
    {
        using var daveHttp = stack.DocumentsClient(await stack.LoginAsync(World.Dave));
        using var response = await daveHttp.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = "x" } });
        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "https://roomcast.dev/problems/not-found");
    }

    [Fact]
    public async Task AReadOnlyUserMayNotChangeTheDocument()
    {
        using var carolHttp = stack.DocumentsClient(await stack.LoginAsync(World.Carol));
        using var response = await carolHttp.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = "x" } });
        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "https://roomcast.dev/problems/forbidden");
    }

    [Fact]
    public async Task AnAnonymousChangeIsRefusedWithProblemDetails()
    {
        using var anonymous = stack.DocumentsClient(accessToken: null);
        using var response = await anonymous.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = "x" } });
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "https://roomcast.dev/problems/unauthenticated");
    }

    [Theory]
    [InlineData("{\"data\": ", HttpStatusCode.BadRequest, "https://roomcast.dev/problems/malformed-request")]
    [InlineData("{\"data\": {}, \"extra\": 1}", HttpStatusCode.UnprocessableEntity, "https://roomcast.dev/problems/invalid-values")]
    [InlineData("{\"nodata\": 1}", HttpStatusCode.UnprocessableEntity, "https://roomcast.dev/problems/invalid-values")]
    [InlineData("[1, 2]", HttpStatusCode.UnprocessableEntity, "https://roomcast.dev/problems/invalid-values")]
    public async Task ABadBodyIsRefusedWithAStableProblemType(string body, HttpStatusCode status, string type)
    {
        using var bobHttp = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await bobHttp.PutAsync($"/api/v1/documents/{World.PlanDocument}", content);
        await response.ShouldBeProblemAsync(status, type);
    }

    [Theory]
    [InlineData("/api/v1/documents/not-a-uuid")]
    [InlineData("/api/v1/documents/12345")]
    public async Task AMalformedIdIsAnInvalidValue(string path)
    {
        using var bobHttp = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        using var response = await bobHttp.PutAsJsonAsync(path, new { data = new { text = "x" } });
        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "https://roomcast.dev/problems/invalid-values");
    }

    [Fact]
    public async Task ABodyOverTheSizeLimitIsRefused()
    {
        using var bobHttp = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        var huge = new string('x', 2 * 1024 * 1024);
        using var response = await bobHttp.PutAsJsonAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = huge } });
        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "https://roomcast.dev/problems/payload-too-large");
    }

    [Fact]
    public async Task AWrongPasswordIsRefusedWithoutSayingWhetherTheUserExists()
    {
        using var http = new HttpClient { BaseAddress = stack.Identity.BaseAddress };
        using var wrongPassword = await http.PostAsJsonAsync("/api/v1/auth/login", new { username = "bob", password = "wrong" });
        using var unknownUser = await http.PostAsJsonAsync("/api/v1/auth/login", new { username = "nobody", password = "wrong" });
        var first = await wrongPassword.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "https://roomcast.dev/problems/invalid-credentials");
        var second = await unknownUser.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "https://roomcast.dev/problems/invalid-credentials");
        second.GetProperty("title").GetString().ShouldBe(first.GetProperty("title").GetString());
    }

    private async Task<(HubConnection Connection, ClientInbox Inbox)> ConnectAsAsync(Guid user, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user));
        _connections.Add(connection);
        return (connection, new ClientInbox(connection, name));
    }

    private async Task<ChangedDocumentMessage> ReceiveAsync(ClientInbox inbox)
    {
        try
        {
            return await inbox.NextAsync();
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}{Environment.NewLine}{stack.Logs}", timeout);
        }
    }
}
