using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.DocumentsApi;

/// <summary>
/// The events documents-api's record routes send (services/documents-api/README.md, "Events"), as
/// real SignalR clients receive them through the gateway. A later change a connection is sure to hear
/// about serves as a fence: messages reach a connection in publish order, so what has not arrived
/// before the fence was never sent to it.
/// </summary>
public sealed class RecordEventsTests(RoomcastStack stack) : IClassFixture<RoomcastStack>, IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task ACreatedDocumentIsAnnouncedToItsReadersButNotToOutsiders()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        var root = await bob.CreateRootIdAsync("Announced");
        await bob.GrantAsync(root, World.Carol, "RO");
        var carol = await ConnectAsync(World.Carol, "carol (RO)");
        var dave = await ConnectAsync(World.Dave, "dave (no grant)");

        var created = await bob.CreateDocumentAsync(root, "note", new { text = "news" });
        var fence = await alice.CreateDocumentAsync(World.NoticeRoot, "note", new { text = "fence" });

        var received = await Logged(carol.NextAsync(
            message => message.Event == ClientEvents.NewRecord && message.Type == RecordTypes.Document && message.Id == created.Id(),
            $"NEW_RECORD Document {created.Id()}"));
        received.Record!.Record.GetProperty("rootId").GetGuid().ShouldBe(root);
        received.Record.Record.GetProperty("authorId").GetGuid().ShouldBe(World.Bob);
        received.Record.Record.GetProperty("data").GetProperty("text").GetString().ShouldBe("news");
        received.Record.Version.ShouldBe(created.Version());
        received.Record.EventId.ShouldNotBe(Guid.Empty);
        received.Record.Seq.ShouldBeGreaterThan(0);

        var first = await Logged(dave.NextAsync(
            message => message.Id == created.Id() || message.Id == fence.Id(),
            $"NEW_RECORD Document {fence.Id()} (the fence)"));
        first.Id.ShouldBe(fence.Id(), "dave, who cannot read the root, heard of the document created in it");
    }

    [Fact]
    public async Task DeletingARootSendsOneDeletedRecordNamingEverythingDeletedWithIt()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        var root = await bob.CreateRootIdAsync("Deleted with everything");
        var grant = await bob.GrantAsync(root, World.Carol, "RO");
        var top = await bob.CreateDocumentIdAsync(root);
        var child = await bob.CreateDocumentIdAsync(root, parentId: top);
        var other = await bob.CreateDocumentIdAsync(root, "task");
        var carol = await ConnectAsync(World.Carol, "carol (RO)");

        (await bob.DeleteAsync($"/api/v1/roots/{root}")).ShouldBe(System.Net.HttpStatusCode.NoContent);
        var fence = await alice.CreateDocumentAsync(World.NoticeRoot, "note", new { text = "fence" });

        var deletions = (await Logged(carol.UntilAsync(message => message.Id == fence.Id(), $"NEW_RECORD Document {fence.Id()} (the fence)")))
            .Where(message => message.Event == ClientEvents.DeletedRecord)
            .ToList();
        deletions.Count.ShouldBe(1, $"one DELETED_RECORD for the whole root, got [{string.Join(", ", deletions)}]");
        var deleted = deletions[0].Deleted!;
        deleted.Type.ShouldBe(RecordTypes.DocumentRoot);
        deleted.Id.ShouldBe(root);
        deleted.Cascade.ShouldBe(
            [new RecordRef(RecordTypes.Document, top), new RecordRef(RecordTypes.Document, child), new RecordRef(RecordTypes.Document, other),
             new RecordRef(RecordTypes.UserPermission, grant.Id())],
            ignoreOrder: true);
        deleted.EventId.ShouldNotBe(Guid.Empty);
        deleted.Seq.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task DeletingADocumentSendsOneDeletedRecordNamingItsDescendants()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var alice = await ApiUser.LoginAsync(stack, World.Alice);
        var root = await bob.CreateRootIdAsync("Pruned");
        await bob.GrantAsync(root, World.Carol, "RO");
        var top = await bob.CreateDocumentIdAsync(root);
        var child = await bob.CreateDocumentIdAsync(root, parentId: top);
        var grandchild = await bob.CreateDocumentIdAsync(root, parentId: child);
        await bob.CreateDocumentIdAsync(root); // a sibling, kept
        var carol = await ConnectAsync(World.Carol, "carol (RO)");

        (await bob.DeleteAsync($"/api/v1/documents/{top}")).ShouldBe(System.Net.HttpStatusCode.NoContent);
        var fence = await alice.CreateDocumentAsync(World.NoticeRoot, "note", new { text = "fence" });

        var deletions = (await Logged(carol.UntilAsync(message => message.Id == fence.Id(), $"NEW_RECORD Document {fence.Id()} (the fence)")))
            .Where(message => message.Event == ClientEvents.DeletedRecord)
            .ToList();
        deletions.Count.ShouldBe(1, $"one DELETED_RECORD for the document and its descendants, got [{string.Join(", ", deletions)}]");
        var deleted = deletions[0].Deleted!;
        deleted.Type.ShouldBe(RecordTypes.Document);
        deleted.Id.ShouldBe(top);
        deleted.Cascade.ShouldBe([new RecordRef(RecordTypes.Document, child), new RecordRef(RecordTypes.Document, grandchild)], ignoreOrder: true);
    }

    private async Task<RecordInbox> ConnectAsync(Guid user, string name)
    {
        var connection = await stack.ConnectAsync(await stack.LoginAsync(user));
        _connections.Add(connection);
        return new RecordInbox(connection, name);
    }

    private async Task<T> Logged<T>(Task<T> waiting)
    {
        try
        {
            return await waiting;
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}{Environment.NewLine}{stack.Logs}", timeout);
        }
    }
}
