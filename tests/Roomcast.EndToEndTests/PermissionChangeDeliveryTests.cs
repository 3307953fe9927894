using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests;

/// <summary>
/// Audiences follow grants: who hears of a change is decided by the grants at the moment of the
/// change, through the real services, broker and SignalR clients.
/// </summary>
public sealed class PermissionChangeDeliveryTests(RoomcastStack stack) : IClassFixture<RoomcastStack>, IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AGrantLetsTheGranteeHearTheNextChangeAndARevokeStopsIt()
    {
        var dave = await ConnectAsync(World.Dave, "dave");
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        using var alice = stack.DocumentsClient(await stack.LoginAsync(World.Alice));

        (await bob.PutAsJsonAsync($"/api/v1/roots/{World.PlanRoot}/permissions/users/{World.Dave}", new { access = "RO" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        var granted = await dave.NextAsync();
        granted.Name.ShouldBe(ClientEvents.NewRecord);
        granted.Type.ShouldBe(RecordTypes.UserPermission);

        await UpdateAsync(bob, World.PlanDocument, "seen by dave");
        var change = await dave.NextAsync();
        change.Name.ShouldBe(ClientEvents.ChangedDocument);
        change.Id.ShouldBe(World.PlanDocument);
        change.Payload.GetProperty("data").GetProperty("text").GetString().ShouldBe("seen by dave");

        (await bob.DeleteAsync($"/api/v1/roots/{World.PlanRoot}/permissions/users/{World.Dave}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var revoked = await dave.NextAsync();
        revoked.Name.ShouldBe(ClientEvents.DeletedRecord);
        revoked.Type.ShouldBe(RecordTypes.UserPermission);

        await UpdateAsync(bob, World.PlanDocument, "hidden from dave");
        // The fence: a change dave can read, made after the hidden one; events reach him in order.
        await UpdateAsync(alice, World.NoticeDocument, "fence");
        var next = await dave.NextAsync();
        next.Id.ShouldBe(World.NoticeDocument, $"dave heard of a change after his grant was revoked: {next}");
    }

    [Fact]
    public async Task SharingARootReadOnlyReachesEverySignedInUser()
    {
        using var bob = stack.DocumentsClient(await stack.LoginAsync(World.Bob));
        var created = await bob.PostAsJsonAsync("/api/v1/roots", new { name = "Soon shared" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var root = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var document = await bob.PostAsJsonAsync($"/api/v1/roots/{root}/documents", new { type = "note", data = new { text = "draft" } });
        document.StatusCode.ShouldBe(HttpStatusCode.Created);
        var documentId = (await document.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var carol = await ConnectAsync(World.Carol, "carol");
        var dave = await ConnectAsync(World.Dave, "dave");
        (await bob.PatchAsJsonAsync($"/api/v1/roots/{root}", new { sharedAccess = "RO" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var user in new[] { carol, dave })
        {
            var shared = await user.NextAsync();
            shared.Name.ShouldBe(ClientEvents.ChangedRecord, user.Name);
            shared.Type.ShouldBe(RecordTypes.DocumentRoot, user.Name);
            shared.Payload.GetProperty("record").GetProperty("sharedAccess").GetString().ShouldBe("RO", user.Name);
        }

        await UpdateAsync(bob, documentId, "published");
        foreach (var user in new[] { carol, dave })
        {
            var change = await user.NextAsync();
            change.Name.ShouldBe(ClientEvents.ChangedDocument, user.Name);
            change.Id.ShouldBe(documentId, user.Name);
        }
    }

    private async Task<EventInbox> ConnectAsync(Guid user, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user));
        _connections.Add(connection);
        return new EventInbox(connection, name, () => stack.Logs);
    }

    private static async Task UpdateAsync(HttpClient client, Guid document, string text)
    {
        using var response = await client.PutAsJsonAsync($"/api/v1/documents/{document}", new { data = new { text } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

}
