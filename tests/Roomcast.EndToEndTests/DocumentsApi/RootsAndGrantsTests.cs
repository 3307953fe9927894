using System.Net;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.DocumentsApi;

/// <summary>
/// Roots and their user and group grants (services/documents-api/README.md): creating, listing,
/// changing and deleting roots, and who may read them as grants come and go. Runs on a stack whose
/// seed adds a group with dave as its only member. Tests here never change the seeded roots, so each
/// test can rely on them; each builds the rest of what it needs.
/// </summary>
public sealed class RootsAndGrantsTests(RoomcastStack stack) : IClassFixture<RoomcastStack>
{
    private DemoWorld World => stack.World;

    private Task<ApiUser> As(Guid user) => ApiUser.LoginAsync(stack, user);

    [Fact]
    public async Task ACreatedRootIsReturnedAndCanBeReadBack()
    {
        using var bob = await As(World.Bob);
        var before = DateTimeOffset.UtcNow;

        var created = await bob.CreateRootAsync("Garden", "RO");

        created.Id().ShouldNotBe(Guid.Empty);
        created.Str("name").ShouldBe("Garden");
        created.Str("sharedAccess").ShouldBe("RO");
        created.GetProperty("createdBy").GetGuid().ShouldBe(World.Bob);
        created.GetProperty("createdAt").GetDateTimeOffset().ShouldBeInRange(before.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(2));
        created.Version().ShouldBeGreaterThanOrEqualTo(1);

        var read = await bob.ReadAsync($"/api/v1/roots/{created.Id()}");
        JsonElement.DeepEquals(read, created).ShouldBeTrue($"GET answered {read}, POST answered {created}");
    }

    [Fact]
    public async Task ARootCreatedWithoutSharedAccessIsPrivateToItsCreator()
    {
        // The README leaves the default open; the schema's default is None, and a user would be
        // surprised to find a new root readable by everyone.
        using var bob = await As(World.Bob);
        using var dave = await As(World.Dave);

        var created = await bob.CreateRootAsync("Diary");

        created.Str("sharedAccess").ShouldBe("None");
        (await bob.GetAsync($"/api/v1/roots/{created.Id()}")).ShouldBe(HttpStatusCode.OK);
        (await dave.GetAsync($"/api/v1/roots/{created.Id()}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task TheRootListHoldsExactlyTheRootsTheCallerCanRead()
    {
        using var alice = await As(World.Alice);
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        using var dave = await As(World.Dave);

        var shared = await bob.CreateRootIdAsync("shared RO", "RO");
        var sharedRw = await bob.CreateRootIdAsync("shared RW", "RW");
        var grantedToCarol = await bob.CreateRootIdAsync("granted to carol", "None");
        await bob.GrantAsync(grantedToCarol, World.Carol, "RO");
        var sharedButDaveNone = await bob.CreateRootIdAsync("shared, dave None", "RO");
        await bob.GrantAsync(sharedButDaveNone, World.Dave, "None"); // the strongest wins: dave still reads
        var grantedToDavesGroup = await bob.CreateRootIdAsync("granted to dave's group", "None");
        (await bob.SendAsync(HttpMethod.Put, $"/api/v1/roots/{grantedToDavesGroup}/permissions/groups/{stack.World.StudyGroup}", new { access = "RO" }))
            .ShouldBe(HttpStatusCode.Created);
        var bobsPrivate = await bob.CreateRootIdAsync("bob's own", "None");
        var alicesPrivate = await alice.CreateRootIdAsync("alice's own", "None");

        Guid[] known = [World.PlanRoot, World.NoticeRoot, shared, sharedRw, grantedToCarol, sharedButDaveNone, grantedToDavesGroup, bobsPrivate, alicesPrivate];
        var expected = new Dictionary<ApiUser, Guid[]>
        {
            [alice] = known,
            [bob] = [World.PlanRoot, World.NoticeRoot, shared, sharedRw, grantedToCarol, sharedButDaveNone, grantedToDavesGroup, bobsPrivate],
            [carol] = [World.PlanRoot, World.NoticeRoot, shared, sharedRw, grantedToCarol, sharedButDaveNone],
            [dave] = [World.NoticeRoot, shared, sharedRw, sharedButDaveNone, grantedToDavesGroup],
        };

        foreach (var (user, readable) in expected)
        {
            var listed = (await user.ReadAsync("/api/v1/roots")).Ids();
            listed.Distinct().Count().ShouldBe(listed.Count, $"{user.Name}'s list names a root twice: [{string.Join(", ", listed)}]");
            listed.Where(known.Contains).ShouldBe(readable, ignoreOrder: true, $"the roots {user.Name} may read");
            foreach (var id in listed)
            {
                (await user.GetAsync($"/api/v1/roots/{id}")).ShouldBe(HttpStatusCode.OK);
            }
        }
    }

    [Fact]
    public async Task ARootCanBeRenamedAndItsSharedAccessDecidesWhoReadsIt()
    {
        using var bob = await As(World.Bob);
        using var dave = await As(World.Dave);
        var root = await bob.CreateRootAsync("Draft");
        var path = $"/api/v1/roots/{root.Id()}";

        var renamed = (await bob.SendAsync(HttpMethod.Patch, path, new { name = "Final" })).ShouldBe(HttpStatusCode.OK);
        renamed.Str("name").ShouldBe("Final");
        renamed.Str("sharedAccess").ShouldBe("None");
        renamed.Version().ShouldBeGreaterThan(root.Version());
        (await dave.GetAsync(path)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");

        var shared = (await bob.SendAsync(HttpMethod.Patch, path, new { sharedAccess = "RO" })).ShouldBe(HttpStatusCode.OK);
        shared.Str("sharedAccess").ShouldBe("RO");
        shared.Str("name").ShouldBe("Final");
        shared.Version().ShouldBeGreaterThan(renamed.Version());
        (await dave.ReadAsync(path)).Str("name").ShouldBe("Final");
        (await dave.ReadAsync("/api/v1/roots")).Ids().ShouldContain(root.Id());
        (await dave.SendAsync(HttpMethod.Patch, path, new { name = "dave was here" })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        (await bob.SendAsync(HttpMethod.Patch, path, new { sharedAccess = "RW" })).ShouldBe(HttpStatusCode.OK);
        (await dave.SendAsync(HttpMethod.Patch, path, new { name = "dave was here" })).ShouldBe(HttpStatusCode.OK);

        (await bob.SendAsync(HttpMethod.Patch, path, new { sharedAccess = "None" })).ShouldBe(HttpStatusCode.OK);
        (await dave.GetAsync(path)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await dave.ReadAsync("/api/v1/roots")).Ids().ShouldNotContain(root.Id());
    }

    [Fact]
    public async Task AStaleExpectedVersionOnARootIsAConflict()
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootAsync("Versioned");
        var path = $"/api/v1/roots/{root.Id()}";

        var changed = (await bob.SendAsync(HttpMethod.Patch, path, new { name = "v2", expectedVersion = root.Version() })).ShouldBe(HttpStatusCode.OK);
        changed.Version().ShouldBeGreaterThan(root.Version());

        var conflict = (await bob.SendAsync(HttpMethod.Patch, path, new { name = "stale", expectedVersion = root.Version() }))
            .ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        conflict.GetProperty("currentVersion").GetInt64().ShouldBe(changed.Version(), conflict.ToString());
        (await bob.ReadAsync(path)).Str("name").ShouldBe("v2");
    }

    public static TheoryData<string> InvalidNewRoots => new()
    {
        """{"name": "x", "sharedAccess": "Everyone"}""",
        """{"name": "x", "sharedAccess": "rw"}""",
        """{"name": "x", "sharedAccess": 2}""",
        """{"name": "x", "colour": "red"}""",
        """{"name": ""}""",
        $$"""{"name": "{{new string('n', 201)}}"}""",
        """{"name": 42}""",
        """{"sharedAccess": "RO"}""",
        """[{"name": "x"}]""",
    };

    [Theory]
    [MemberData(nameof(InvalidNewRoots))]
    public async Task ARootWithInvalidValuesIsRefused(string body)
    {
        using var bob = await As(World.Bob);
        var before = (await bob.ReadAsync("/api/v1/roots")).Ids();

        (await bob.SendRawAsync(HttpMethod.Post, "/api/v1/roots", body)).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");

        (await bob.ReadAsync("/api/v1/roots")).Ids().ShouldBe(before, ignoreOrder: true, "no root may be created by a refused request");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    public async Task ARootNameOfOneToTwoHundredCharactersIsAccepted(int length)
    {
        using var bob = await As(World.Bob);
        var name = new string('n', length);

        (await bob.CreateRootAsync(name)).Str("name").ShouldBe(name);
    }

    [Theory]
    [InlineData(201, "RO", "name")]
    [InlineData(5, "Everyone", "sharedAccess")]
    [InlineData(201, "Everyone", "name,sharedAccess")]
    public async Task AnInvalidValueIsNamedInTheErrors(int nameLength, string sharedAccess, string invalidFields)
    {
        using var bob = await As(World.Bob);

        var problem = (await bob.SendAsync(HttpMethod.Post, "/api/v1/roots", new { name = new string('n', nameLength), sharedAccess }))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");

        problem.TryGetProperty("errors", out var errors).ShouldBeTrue(problem.ToString());
        errors.ValueKind.ShouldBe(JsonValueKind.Object, problem.ToString());
        errors.EnumerateObject().Select(field => field.Name).ShouldBe(invalidFields.Split(','), ignoreOrder: true, problem.ToString());
    }

    public static TheoryData<string> InvalidRootChanges => new()
    {
        """{"sharedAccess": "Public"}""",
        """{"name": ""}""",
        $$"""{"name": "{{new string('n', 201)}}"}""",
        """{"name": "x", "createdBy": "00000000-0000-0000-0000-000000000001"}""",
        """{"expectedVersion": "one", "name": "x"}""",
    };

    [Theory]
    [MemberData(nameof(InvalidRootChanges))]
    public async Task ARootChangeWithInvalidValuesIsRefusedAndChangesNothing(string body)
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootAsync("Unchanged");
        var path = $"/api/v1/roots/{root.Id()}";

        (await bob.SendRawAsync(HttpMethod.Patch, path, body)).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");

        var after = await bob.ReadAsync(path);
        JsonElement.DeepEquals(after, root).ShouldBeTrue($"the root changed: {after}, was {root}");
    }

    [Fact]
    public async Task TheGrantsOfARootAreListedToItsReaders()
    {
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);

        foreach (var reader in new[] { bob, carol })
        {
            var permissions = await reader.ReadAsync($"/api/v1/roots/{World.PlanRoot}/permissions");
            var users = permissions.GetProperty("users").Items();
            users.Select(grant => (grant.GetProperty("userId").GetGuid(), grant.Str("access")))
                .ShouldBe([(World.Bob, "RW"), (World.Carol, "RO")], ignoreOrder: true, $"{reader.Name} reads {permissions}");
            users.ShouldAllBe(grant => grant.GetProperty("rootId").GetGuid() == World.PlanRoot);
            users.ShouldAllBe(grant => grant.GetProperty("id").GetGuid() != Guid.Empty);
            users.ShouldAllBe(grant => grant.GetProperty("version").GetInt64() >= 1);
            permissions.GetProperty("groups").GetArrayLength().ShouldBe(0);
        }
    }

    [Fact]
    public async Task AUserGrantIsCreatedThenChangedThenRevoked()
    {
        using var bob = await As(World.Bob);
        using var dave = await As(World.Dave);
        var root = await bob.CreateRootIdAsync("Granted");
        var rootPath = $"/api/v1/roots/{root}";
        var grantPath = $"{rootPath}/permissions/users/{World.Dave}";
        (await dave.GetAsync(rootPath)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");

        var created = (await bob.SendAsync(HttpMethod.Put, grantPath, new { access = "RO" })).ShouldBe(HttpStatusCode.Created);
        created.Id().ShouldNotBe(Guid.Empty);
        created.GetProperty("rootId").GetGuid().ShouldBe(root);
        created.GetProperty("userId").GetGuid().ShouldBe(World.Dave);
        created.Str("access").ShouldBe("RO");
        (await dave.ReadAsync(rootPath)).Id().ShouldBe(root);
        (await dave.ReadAsync("/api/v1/roots")).Ids().ShouldContain(root);
        (await dave.SendAsync(HttpMethod.Patch, rootPath, new { name = "by dave" })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        var changed = (await bob.SendAsync(HttpMethod.Put, grantPath, new { access = "RW" })).ShouldBe(HttpStatusCode.OK);
        changed.Id().ShouldBe(created.Id());
        changed.Str("access").ShouldBe("RW");
        changed.Version().ShouldBeGreaterThan(created.Version());
        (await dave.SendAsync(HttpMethod.Patch, rootPath, new { name = "by dave" })).ShouldBe(HttpStatusCode.OK);
        var listed = (await bob.ReadAsync($"{rootPath}/permissions")).GetProperty("users").Items();
        listed.Select(grant => (grant.GetProperty("userId").GetGuid(), grant.Str("access"))).ShouldBe([(World.Dave, "RW")]);

        var revoked = await bob.DeleteAsync(grantPath);
        revoked.ShouldBe(HttpStatusCode.NoContent);
        revoked.Body.ShouldBeEmpty();
        (await dave.GetAsync(rootPath)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await dave.ReadAsync("/api/v1/roots")).Ids().ShouldNotContain(root);
        (await bob.ReadAsync($"{rootPath}/permissions")).GetProperty("users").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task AGroupGrantIsCreatedThenChangedThenRevokedForEveryMember()
    {
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        using var dave = await As(World.Dave);
        var root = await bob.CreateRootIdAsync("Group granted");
        var rootPath = $"/api/v1/roots/{root}";
        var group = stack.World.StudyGroup;
        var grantPath = $"{rootPath}/permissions/groups/{group}";
        (await dave.GetAsync(rootPath)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");

        var created = (await bob.SendAsync(HttpMethod.Put, grantPath, new { access = "RO" })).ShouldBe(HttpStatusCode.Created);
        created.Id().ShouldNotBe(Guid.Empty);
        created.GetProperty("rootId").GetGuid().ShouldBe(root);
        created.GetProperty("groupId").GetGuid().ShouldBe(group);
        created.Str("access").ShouldBe("RO");
        (await dave.ReadAsync(rootPath)).Id().ShouldBe(root);
        (await dave.SendAsync(HttpMethod.Patch, rootPath, new { name = "by dave" })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await carol.GetAsync(rootPath)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");

        var changed = (await bob.SendAsync(HttpMethod.Put, grantPath, new { access = "RW" })).ShouldBe(HttpStatusCode.OK);
        changed.Id().ShouldBe(created.Id());
        changed.Str("access").ShouldBe("RW");
        changed.Version().ShouldBeGreaterThan(created.Version());
        var groups = (await bob.ReadAsync($"{rootPath}/permissions")).GetProperty("groups").Items();
        groups.Select(grant => (grant.GetProperty("groupId").GetGuid(), grant.Str("access"))).ShouldBe([(group, "RW")]);
        (await dave.SendAsync(HttpMethod.Patch, rootPath, new { name = "by dave" })).ShouldBe(HttpStatusCode.OK);

        var revoked = await bob.DeleteAsync(grantPath);
        revoked.ShouldBe(HttpStatusCode.NoContent);
        revoked.Body.ShouldBeEmpty();
        (await bob.ReadAsync($"{rootPath}/permissions")).GetProperty("groups").GetArrayLength().ShouldBe(0);
        (await dave.GetAsync(rootPath)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await dave.ReadAsync("/api/v1/roots")).Ids().ShouldNotContain(root);
    }

    public static TheoryData<string> InvalidGrants => new()
    {
        """{"access": "Admin"}""",
        """{"access": "ro"}""",
        """{"access": 1}""",
        """{"access": null}""",
        """{}""",
        """{"access": "RO", "until": "2030-01-01"}""",
    };

    [Theory]
    [MemberData(nameof(InvalidGrants))]
    public async Task AGrantWithInvalidValuesIsRefusedAndGrantsNothing(string body)
    {
        using var bob = await As(World.Bob);
        using var dave = await As(World.Dave);
        var root = await bob.CreateRootIdAsync("Not granted");

        (await bob.SendRawAsync(HttpMethod.Put, $"/api/v1/roots/{root}/permissions/users/{World.Dave}", body))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");
        (await bob.SendRawAsync(HttpMethod.Put, $"/api/v1/roots/{root}/permissions/groups/{stack.World.StudyGroup}", body))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");

        var permissions = await bob.ReadAsync($"/api/v1/roots/{root}/permissions");
        permissions.GetProperty("users").GetArrayLength().ShouldBe(0, permissions.ToString());
        permissions.GetProperty("groups").GetArrayLength().ShouldBe(0, permissions.ToString());
        (await dave.GetAsync($"/api/v1/roots/{root}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task RevokingAGrantThatDoesNotExistIsNotFound()
    {
        using var bob = await As(World.Bob);
        var root = await bob.CreateRootIdAsync("No grants");

        (await bob.DeleteAsync($"/api/v1/roots/{root}/permissions/users/{World.Dave}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await bob.DeleteAsync($"/api/v1/roots/{root}/permissions/groups/{stack.World.StudyGroup}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task DeletingARootDeletesItsDocumentsAndGrants()
    {
        using var alice = await As(World.Alice);
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        var root = await bob.CreateRootIdAsync("Doomed");
        await bob.GrantAsync(root, World.Carol, "RO");
        var top = await bob.CreateDocumentIdAsync(root);
        var child = await bob.CreateDocumentIdAsync(root, parentId: top);
        var other = await bob.CreateDocumentIdAsync(root, "task");
        (await carol.ReadAsync($"/api/v1/roots/{root}")).Id().ShouldBe(root);

        var deleted = await bob.DeleteAsync($"/api/v1/roots/{root}");

        deleted.ShouldBe(HttpStatusCode.NoContent);
        deleted.Body.ShouldBeEmpty();
        foreach (var user in new[] { bob, carol, alice })
        {
            (await user.GetAsync($"/api/v1/roots/{root}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            (await user.GetAsync($"/api/v1/roots/{root}/permissions")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            (await user.GetAsync($"/api/v1/roots/{root}/documents")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            foreach (var document in new[] { top, child, other })
            {
                (await user.GetAsync($"/api/v1/documents/{document}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            }

            (await user.ReadAsync("/api/v1/roots")).Ids().ShouldNotContain(root, user.Name);
        }

        (await bob.DeleteAsync($"/api/v1/roots/{root}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await bob.DeleteAsync($"/api/v1/roots/{root}/permissions/users/{World.Carol}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }
}
