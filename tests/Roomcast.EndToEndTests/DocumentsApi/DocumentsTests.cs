using System.Net;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.DocumentsApi;

/// <summary>
/// Documents of a root (services/documents-api/README.md): creating, listing with filters and pages,
/// changing with optimistic concurrency, and deleting with their descendants. Every test works in
/// roots of its own.
/// </summary>
public sealed class DocumentsTests(RoomcastStack stack) : IClassFixture<RoomcastStack>
{
    private const int Races = 10;

    private DemoWorld World => stack.World;

    private Task<ApiUser> As(Guid user) => ApiUser.LoginAsync(stack, user);

    [Fact]
    public async Task ACreatedDocumentIsReturnedAndCanBeReadBackByTheRootsReaders()
    {
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        var root = await bob.CreateRootIdAsync("Notes");
        await bob.GrantAsync(root, World.Carol, "RO");
        var before = DateTimeOffset.UtcNow;
        var data = JsonSerializer.SerializeToElement(new { text = "hello", tags = new[] { "a", "b" }, nested = new { n = 1.5, yes = true } });

        var created = await bob.CreateDocumentAsync(root, "note.v1", data);

        created.Id().ShouldNotBe(Guid.Empty);
        created.GetProperty("rootId").GetGuid().ShouldBe(root);
        created.GetProperty("authorId").GetGuid().ShouldBe(World.Bob);
        created.Str("type").ShouldBe("note.v1");
        created.OptionalGuid("parentId").ShouldBeNull();
        JsonElement.DeepEquals(created.GetProperty("data"), data).ShouldBeTrue(created.ToString());
        created.GetProperty("createdAt").GetDateTimeOffset().ShouldBeInRange(before.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(2));
        created.GetProperty("updatedAt").GetDateTimeOffset().ShouldBeInRange(before.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(2));
        created.Version().ShouldBe(1);

        foreach (var reader in new[] { bob, carol })
        {
            var read = await reader.ReadAsync($"/api/v1/documents/{created.Id()}");
            JsonElement.DeepEquals(read, created).ShouldBeTrue($"{reader.Name} read {read}, POST answered {created}");
        }
    }

    [Fact]
    public async Task ADocumentMayHaveAParentInTheSameRoot()
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("Threads");
        var parent = await bob.CreateDocumentIdAsync(root, "thread");

        var reply = await bob.CreateDocumentAsync(root, "reply", parentId: parent);

        reply.OptionalGuid("parentId").ShouldBe(parent);
        (await bob.ReadAsync($"/api/v1/documents/{reply.Id()}")).OptionalGuid("parentId").ShouldBe(parent);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("Aa0_.-")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")]
    public async Task ATypeOfOneToSixtyFourLettersDigitsDotsDashesAndUnderscoresIsAccepted(string type)
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("Types");

        (await bob.CreateDocumentAsync(root, type)).Str("type").ShouldBe(type);
    }

    public static TheoryData<string> InvalidNewDocuments => new()
    {
        """{"type": "has space", "data": {}}""",
        """{"type": "slash/type", "data": {}}""",
        """{"type": "ümlaut", "data": {}}""",
        """{"type": "", "data": {}}""",
        $$$"""{"type": "{{{new string('t', 65)}}}", "data": {}}""",
        """{"type": 5, "data": {}}""",
        """{"data": {}}""",
        """{"type": "note"}""",
        """{"type": "note", "data": {}, "title": "unknown field"}""",
        """{"type": "note", "data": {}, "parentId": "not-a-uuid"}""",
        """{"type": "note", "data": {}, "parentId": "5a4c1f3e-0000-4000-8000-00000000abcd"}""",
        """[{"type": "note", "data": {}}]""",
    };

    [Theory]
    [MemberData(nameof(InvalidNewDocuments))]
    public async Task ADocumentWithInvalidValuesIsRefusedAndNothingIsCreated(string body)
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("Refusals");

        (await bob.SendRawAsync(HttpMethod.Post, $"/api/v1/roots/{root}/documents", body))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");

        (await bob.ReadAsync($"/api/v1/roots/{root}/documents")).GetProperty("total").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task AParentFromAnotherRootIsRefused()
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("Here");
        var elsewhere = await bob.CreateRootIdAsync("Elsewhere");
        var foreignParent = await bob.CreateDocumentIdAsync(elsewhere);

        (await bob.SendAsync(HttpMethod.Post, $"/api/v1/roots/{root}/documents", new { type = "note", data = new { }, parentId = foreignParent }))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");

        (await bob.ReadAsync($"/api/v1/roots/{root}/documents")).GetProperty("total").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task DocumentsAreListedByPageAndFilteredByTypeAndParent()
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("Board");
        var tasks = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            tasks.Add(await bob.CreateDocumentIdAsync(root, "task"));
        }

        var notes = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            notes.Add(await bob.CreateDocumentIdAsync(root, "note"));
        }

        Guid[] comments = [await bob.CreateDocumentIdAsync(root, "comment", notes[0]), await bob.CreateDocumentIdAsync(root, "comment", notes[0])];
        var elsewhere = await bob.CreateRootIdAsync("Other board");
        await bob.CreateDocumentIdAsync(elsewhere, "task");
        var path = $"/api/v1/roots/{root}/documents";

        var everything = await bob.ReadAsync(path);
        everything.GetProperty("page").GetInt32().ShouldBe(1);
        everything.GetProperty("pageSize").GetInt32().ShouldBe(50);
        everything.GetProperty("total").GetInt64().ShouldBe(10);
        everything.GetProperty("items").Ids().ShouldBe([.. tasks, .. notes, .. comments], ignoreOrder: true);
        everything.GetProperty("items").Items().ShouldAllBe(item => item.GetProperty("rootId").GetGuid() == root);

        (await bob.ReadAsync($"{path}?type=task")).GetProperty("items").Ids().ShouldBe(tasks, ignoreOrder: true);
        (await bob.ReadAsync($"{path}?type=comment")).GetProperty("total").GetInt64().ShouldBe(2);
        var children = await bob.ReadAsync($"{path}?parentId={notes[0]}");
        children.GetProperty("total").GetInt64().ShouldBe(2);
        children.GetProperty("items").Ids().ShouldBe(comments, ignoreOrder: true);
        (await bob.ReadAsync($"{path}?parentId={notes[0]}&type=task")).GetProperty("total").GetInt64().ShouldBe(0);
        (await bob.ReadAsync($"{path}?parentId={tasks[0]}")).GetProperty("items").GetArrayLength().ShouldBe(0);
        (await bob.ReadAsync($"{path}?type=nothing-of-this-type")).GetProperty("total").GetInt64().ShouldBe(0);

        var paged = new List<Guid>();
        foreach (var (page, count) in new[] { (1, 2), (2, 2), (3, 1), (4, 0) })
        {
            var answer = await bob.ReadAsync($"{path}?type=task&page={page}&pageSize=2");
            answer.GetProperty("page").GetInt32().ShouldBe(page);
            answer.GetProperty("pageSize").GetInt32().ShouldBe(2);
            answer.GetProperty("total").GetInt64().ShouldBe(5, $"page {page}: {answer}");
            answer.GetProperty("items").GetArrayLength().ShouldBe(count, $"page {page}: {answer}");
            paged.AddRange(answer.GetProperty("items").Ids());
        }

        paged.ShouldBe(tasks, ignoreOrder: true, "the pages together hold every task exactly once");

        var widest = await bob.ReadAsync($"{path}?pageSize=200");
        widest.GetProperty("pageSize").GetInt32().ShouldBe(200);
        widest.GetProperty("items").GetArrayLength().ShouldBe(10);
    }

    [Theory]
    [InlineData("pageSize=0")]
    [InlineData("pageSize=201")]
    [InlineData("pageSize=-1")]
    [InlineData("pageSize=ten")]
    [InlineData("page=first")]
    [InlineData("parentId=not-a-uuid")]
    public async Task AListWithAnInvalidQueryIsRefused(string query)
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("Queried");
        await bob.CreateDocumentIdAsync(root);

        (await bob.GetAsync($"/api/v1/roots/{root}/documents?{query}")).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");
    }

    [Theory]
    [InlineData("page=2147483647")]
    [InlineData("page=2147483647&pageSize=200")]
    [InlineData("page=1073741824&pageSize=2")]
    [InlineData("page=1000001")]
    [InlineData("page=2147483648")]
    [InlineData("page=99999999999999999999999999")]
    [InlineData("page=-2147483648")]
    [InlineData("pageSize=2147483647")]
    [InlineData("pageSize=99999999999999999999999999")]
    public async Task AnOutOfRangePageIsAnInvalidValueNotAServerError(string query)
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("Far pages");
        await bob.CreateDocumentIdAsync(root);

        (await bob.GetAsync($"/api/v1/roots/{root}/documents?{query}")).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");
    }

    [Fact]
    public async Task AChangeWithTheCurrentExpectedVersionSucceedsAndAStaleOneIsAConflict()
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("Versions");
        var document = await bob.CreateDocumentAsync(root);
        var path = $"/api/v1/documents/{document.Id()}";

        var changed = (await bob.SendAsync(HttpMethod.Put, path, new { data = new { text = "v2" }, expectedVersion = document.Version() }))
            .ShouldBe(HttpStatusCode.OK);
        changed.Version().ShouldBe(document.Version() + 1);
        changed.GetProperty("data").GetProperty("text").GetString().ShouldBe("v2");
        changed.GetProperty("updatedAt").GetDateTimeOffset().ShouldBeGreaterThanOrEqualTo(document.GetProperty("updatedAt").GetDateTimeOffset());

        var conflict = (await bob.SendAsync(HttpMethod.Put, path, new { data = new { text = "stale" }, expectedVersion = document.Version() }))
            .ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        conflict.GetProperty("currentVersion").GetInt64().ShouldBe(changed.Version(), conflict.ToString());

        var after = await bob.ReadAsync(path);
        after.Version().ShouldBe(changed.Version());
        after.GetProperty("data").GetProperty("text").GetString().ShouldBe("v2");
    }

    [Fact]
    public async Task OfTwoWritersRacingWithTheSameExpectedVersionExactlyOneWins()
    {
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        var root = await bob.CreateRootIdAsync("Race track");
        await bob.GrantAsync(root, World.Carol, "RW");
        var document = await bob.CreateDocumentAsync(root);
        var path = $"/api/v1/documents/{document.Id()}";
        var version = document.Version();

        for (var race = 1; race <= Races; race++)
        {
            var writes = await Task.WhenAll(
                bob.SendAsync(HttpMethod.Put, path, new { data = new { by = "bob", race }, expectedVersion = version }),
                carol.SendAsync(HttpMethod.Put, path, new { data = new { by = "carol", race }, expectedVersion = version }));

            var summary = $"race {race} from version {version}:{Environment.NewLine}{string.Join(Environment.NewLine, writes.Select(w => w.Describe()))}";
            writes.Select(write => write.Status).ShouldBe([HttpStatusCode.OK, HttpStatusCode.Conflict], ignoreOrder: true, summary);
            var winner = writes.Single(write => write.Status == HttpStatusCode.OK);
            var loser = writes.Single(write => write.Status == HttpStatusCode.Conflict);
            var saved = winner.ShouldBe(HttpStatusCode.OK);
            saved.Version().ShouldBe(version + 1, summary);
            loser.ShouldBeProblem(HttpStatusCode.Conflict, "conflict").GetProperty("currentVersion").GetInt64().ShouldBe(version + 1, summary);

            var stored = await bob.ReadAsync(path);
            stored.Version().ShouldBe(version + 1, summary);
            JsonElement.DeepEquals(stored.GetProperty("data"), saved.GetProperty("data")).ShouldBeTrue($"{summary}{Environment.NewLine}stored: {stored}");
            version = stored.Version();
        }
    }

    [Fact]
    public async Task AChangeWithoutExpectedVersionAlwaysSucceedsAndBumpsTheVersion()
    {
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        var root = await bob.CreateRootIdAsync("Last writer wins");
        await bob.GrantAsync(root, World.Carol, "RW");
        var document = await bob.CreateDocumentAsync(root);
        var path = $"/api/v1/documents/{document.Id()}";

        var first = (await bob.SendAsync(HttpMethod.Put, path, new { data = new { text = "one" } })).ShouldBe(HttpStatusCode.OK);
        first.Version().ShouldBe(document.Version() + 1);
        var second = (await carol.SendAsync(HttpMethod.Put, path, new { data = new { text = "two" } })).ShouldBe(HttpStatusCode.OK);
        second.Version().ShouldBe(first.Version() + 1);

        for (var round = 0; round < Races; round++)
        {
            var before = (await bob.ReadAsync(path)).Version();
            var writes = await Task.WhenAll(
                bob.SendAsync(HttpMethod.Put, path, new { data = new { by = "bob", round } }),
                carol.SendAsync(HttpMethod.Put, path, new { data = new { by = "carol", round } }));

            var summary = string.Join(Environment.NewLine, writes.Select(w => w.Describe()));
            writes.Select(write => write.ShouldBe(HttpStatusCode.OK).Version()).ShouldBe([before + 1, before + 2], ignoreOrder: true, summary);
            (await bob.ReadAsync(path)).Version().ShouldBe(before + 2, summary);
        }
    }

    public static TheoryData<string> InvalidDocumentChanges => new()
    {
        """{"data": {"text": "x"}, "expectedVersion": "one"}""",
        """{"data": {"text": "x"}, "expectedVersion": 1.5}""",
        """{"data": {"text": "x"}, "type": "renamed"}""",
        """{"expectedVersion": 1}""",
    };

    [Theory]
    [MemberData(nameof(InvalidDocumentChanges))]
    public async Task ADocumentChangeWithInvalidValuesIsRefusedAndChangesNothing(string body)
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("Unchanged");
        var document = await bob.CreateDocumentAsync(root);
        var path = $"/api/v1/documents/{document.Id()}";

        (await bob.SendRawAsync(HttpMethod.Put, path, body)).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");

        JsonElement.DeepEquals(await bob.ReadAsync(path), document).ShouldBeTrue();
    }

    [Fact]
    public async Task DeletingADocumentDeletesItsDescendantsAndNothingElse()
    {
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        var root = await bob.CreateRootIdAsync("Tree");
        await bob.GrantAsync(root, World.Carol, "RO");
        var top = await bob.CreateDocumentIdAsync(root, "node");
        var child = await bob.CreateDocumentIdAsync(root, "node", top);
        var grandchild = await bob.CreateDocumentIdAsync(root, "node", child);
        var secondChild = await bob.CreateDocumentIdAsync(root, "node", top);
        var sibling = await bob.CreateDocumentIdAsync(root, "node");
        var siblingsChild = await bob.CreateDocumentIdAsync(root, "node", sibling);

        var deleted = await bob.DeleteAsync($"/api/v1/documents/{top}");

        deleted.ShouldBe(HttpStatusCode.NoContent);
        deleted.Body.ShouldBeEmpty();
        foreach (var user in new[] { bob, carol })
        {
            foreach (var gone in new[] { top, child, grandchild, secondChild })
            {
                (await user.GetAsync($"/api/v1/documents/{gone}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            }

            foreach (var kept in new[] { sibling, siblingsChild })
            {
                (await user.ReadAsync($"/api/v1/documents/{kept}")).Id().ShouldBe(kept);
            }

            var left = await user.ReadAsync($"/api/v1/roots/{root}/documents");
            left.GetProperty("total").GetInt64().ShouldBe(2);
            left.GetProperty("items").Ids().ShouldBe([sibling, siblingsChild], ignoreOrder: true);
        }

        (await bob.DeleteAsync($"/api/v1/documents/{top}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await bob.SendAsync(HttpMethod.Put, $"/api/v1/documents/{child}", new { data = new { } })).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task AnAuthorMayStillChangeTheirDocumentAfterTheirGrantIsLowered()
    {
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        var root = await bob.CreateRootIdAsync("Shared desk");
        await bob.GrantAsync(root, World.Carol, "RW");
        var carols = await carol.CreateDocumentAsync(root);
        carols.GetProperty("authorId").GetGuid().ShouldBe(World.Carol);
        var bobs = await bob.CreateDocumentIdAsync(root);

        await bob.GrantAsync(root, World.Carol, "RO");

        var changed = (await carol.SendAsync(HttpMethod.Put, $"/api/v1/documents/{carols.Id()}", new { data = new { text = "still mine" } }))
            .ShouldBe(HttpStatusCode.OK);
        changed.GetProperty("data").GetProperty("text").GetString().ShouldBe("still mine");
        (await carol.SendAsync(HttpMethod.Put, $"/api/v1/documents/{bobs}", new { data = new { text = "not mine" } }))
            .ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await carol.SendAsync(HttpMethod.Post, $"/api/v1/roots/{root}/documents", new { type = "note", data = new { } }))
            .ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task AnAuthorStillReadsAndChangesTheirDocumentAfterLosingAccessToTheRoot()
    {
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        var root = await bob.CreateRootIdAsync("Handed in");
        await bob.GrantAsync(root, World.Carol, "RW");
        var carols = await carol.CreateDocumentIdAsync(root);
        var bobs = await bob.CreateDocumentIdAsync(root);

        (await bob.GrantAsync(root, World.Carol, "None")).Str("access").ShouldBe("None");

        (await carol.ReadAsync($"/api/v1/documents/{carols}")).Id().ShouldBe(carols);
        (await carol.SendAsync(HttpMethod.Put, $"/api/v1/documents/{carols}", new { data = new { text = "edited" } })).ShouldBe(HttpStatusCode.OK);
        (await carol.GetAsync($"/api/v1/documents/{bobs}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await carol.GetAsync($"/api/v1/roots/{root}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }
}
