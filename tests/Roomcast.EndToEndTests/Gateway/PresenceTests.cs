using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// <c>PRESENCE</c> across two instances: online on a user's first connection anywhere, offline when
/// their last one closes, only to the connections sharing a room of the configured kinds with them
/// (here <c>admin</c> among them: two admins share it; a plain user does not).
/// </summary>
public sealed class PresenceTests(CensusStack stack) : IClassFixture<CensusStack>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly ClientConnections _connections = new();
    private readonly ClientConnections _erinsTabs = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _erinsTabs.DisposeAsync();
        await _connections.DisposeAsync();
    }

    [Fact]
    public async Task OnlineAndOfflineReachWhoSharesARoomOnceNotAStranger()
    {
        var (erin, erinToken) = await CreateAdminAsync("erin");
        var alice = await ConnectAsync(_connections, World.Alice, 0, "alice (admin) on A");
        var bob = await ConnectAsync(_connections, World.Bob, 0, "bob (no shared room) on A");

        await stack.ConnectAsync(_erinsTabs, erinToken, 1, "erin's first tab on B");
        await ExpectPresenceAsync(alice, erin, PresenceMessage.Online);

        var secondTab = new ClientConnections();
        await stack.ConnectAsync(secondTab, erinToken, 0, "erin's second tab on A");
        await _erinsTabs.DisposeAsync();
        await secondTab.DisposeAsync();

        // Had the second tab said 'online' again, or the first tab's close said 'offline', it would come first.
        await ExpectPresenceAsync(alice, erin, PresenceMessage.Offline);

        // Fence: a change everyone reads. Nothing about erin may reach bob before it, nor alice after the offline.
        using var documents = stack.DocumentsClient(await stack.LoginAsync(World.Alice));
        using var response = await documents.PutAsJsonAsync($"/api/v1/documents/{World.NoticeDocument}", new { data = new { text = "presence fence" } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await bob.NextAsync(Patience)).Name.ShouldBe(ClientEvents.ChangedDocument, "bob shares no room with erin");
        (await alice.NextAsync(Patience)).Name.ShouldBe(ClientEvents.ChangedDocument, "erin's presence was told once each way");
    }

    private async Task ExpectPresenceAsync(HubMessageInbox inbox, Guid user, string status)
    {
        ReceivedEvent received;
        try
        {
            received = await inbox.NextAsync(Patience);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message} (expected {status} of {user}){Environment.NewLine}{stack.Logs}", timeout);
        }
        received.Name.ShouldBe(ClientEvents.Presence, received.ToString());
        received.Payload.GetProperty("userId").GetGuid().ShouldBe(user);
        received.Payload.GetProperty("status").GetString().ShouldBe(status, received.ToString());
    }

    private async Task<HubMessageInbox> ConnectAsync(ClientConnections connections, Guid user, int gateway, string name) =>
        await stack.ConnectAsync(connections, await stack.LoginAsync(user), gateway, name, ClientEvents.Presence, ClientEvents.ChangedDocument);

    /// <summary>A second admin, created by alice through identity, and its access token.</summary>
    private async Task<(Guid Id, string AccessToken)> CreateAdminAsync(string username)
    {
        const string Password = "presence-e2e-password";
        using var identity = new HttpClient { BaseAddress = stack.Identity.BaseAddress };
        identity.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await stack.LoginAsync(World.Alice));
        using var created = await identity.PostAsJsonAsync("/api/v1/users", new { username, password = Password, isAdmin = true });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var user = await created.Content.ReadFromJsonAsync<CreatedUser>();

        identity.DefaultRequestHeaders.Authorization = null;
        using var login = await identity.PostAsJsonAsync("/api/v1/auth/login", new { username, password = Password });
        login.StatusCode.ShouldBe(HttpStatusCode.OK, await login.Content.ReadAsStringAsync());
        var token = await login.Content.ReadFromJsonAsync<Token>();
        return (user!.Id, token!.AccessToken);
    }

    private sealed record CreatedUser(Guid Id);

    private sealed record Token(string AccessToken);
}
