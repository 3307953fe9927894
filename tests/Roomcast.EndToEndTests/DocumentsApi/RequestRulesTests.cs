using System.Net;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.DocumentsApi;

/// <summary>
/// The rules every route of documents-api follows (services/documents-api/README.md, "Who may do
/// what" and "Errors"): no token is 401; a record the caller cannot read is 404, never 403; a record
/// they can read but not change is 403; admins read everything and write only on behalf; bodies that
/// do not parse, are not JSON, or are too large are refused. Each case works on a root of its own and
/// checks that a refused request changed nothing.
/// </summary>
public sealed class RequestRulesTests(RoomcastStack stack) : IClassFixture<RoomcastStack>
{
    private const string OnBehalf = "?onBehalfOf=true";

    private DemoWorld World => stack.World;

    private Task<ApiUser> As(Guid user) => ApiUser.LoginAsync(stack, user);

    // Placeholders: {root}, {doc}, {user}, {group}.
    private static readonly (string Method, string Path, string? Body)[] AllRoutes =
    [
        ("POST", "/api/v1/roots", """{"name": "new root"}"""),
        ("GET", "/api/v1/roots", null),
        ("GET", "/api/v1/roots/{root}", null),
        ("PATCH", "/api/v1/roots/{root}", """{"name": "changed"}"""),
        ("DELETE", "/api/v1/roots/{root}", null),
        ("GET", "/api/v1/roots/{root}/permissions", null),
        ("PUT", "/api/v1/roots/{root}/permissions/users/{user}", """{"access": "RW"}"""),
        ("PUT", "/api/v1/roots/{root}/permissions/groups/{group}", """{"access": "RW"}"""),
        ("DELETE", "/api/v1/roots/{root}/permissions/users/{user}", null),
        ("DELETE", "/api/v1/roots/{root}/permissions/groups/{group}", null),
        ("POST", "/api/v1/roots/{root}/documents", """{"type": "note", "data": {"text": "new"}}"""),
        ("GET", "/api/v1/roots/{root}/documents", null),
        ("GET", "/api/v1/documents/{doc}", null),
        ("PUT", "/api/v1/documents/{doc}", """{"data": {"text": "changed"}}"""),
        ("DELETE", "/api/v1/documents/{doc}", null),
    ];

    private static IEnumerable<(string Method, string Path, string? Body)> RecordRoutes =>
        AllRoutes.Where(route => route.Path.Contains('{'));

    private static IEnumerable<(string Method, string Path, string? Body)> WriteRoutes =>
        RecordRoutes.Where(route => route.Method != "GET");

    private static IEnumerable<(string Method, string Path, string? Body)> BodyRoutes =>
        AllRoutes.Where(route => route.Body is not null);

    private static TheoryData<string, string, string?> Data(IEnumerable<(string Method, string Path, string? Body)> routes)
    {
        var data = new TheoryData<string, string, string?>();
        foreach (var (method, path, body) in routes)
        {
            data.Add(method, path, body);
        }

        return data;
    }

    public static TheoryData<string, string, string?> EveryRoute => Data(AllRoutes);

    public static TheoryData<string, string, string?> EveryRecordRoute => Data(RecordRoutes);

    public static TheoryData<string, string, string?> EveryWriteRoute => Data(WriteRoutes);

    /// <summary>
    /// Writes whose target exists when the caller holds a grant on the root. Revoking a group grant
    /// that does not exist is left out: DemoWorld has no groups, and whether a missing grant is 403
    /// or 404 for someone who may not write is not specified.
    /// </summary>
    public static TheoryData<string, string, string?> EveryWriteOnAnExistingRecord =>
        Data(WriteRoutes.Where(route => route is not ("DELETE", "/api/v1/roots/{root}/permissions/groups/{group}", _)));

    public static TheoryData<string, string, string?> EveryRouteWithABody => Data(BodyRoutes);

    [Theory]
    [MemberData(nameof(EveryRoute))]
    public async Task EveryRouteRefusesARequestWithoutAToken(string method, string path, string? body)
    {
        using var anonymous = ApiUser.Anonymous(stack);
        using var forged = ApiUser.Anonymous(stack, "not-a-jwt");
        var seeded = Seeded(path);

        (await anonymous.SendRawAsync(new HttpMethod(method), seeded, body)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        (await forged.SendRawAsync(new HttpMethod(method), seeded, body)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");

        using var bob = await As(World.Bob);
        (await bob.ReadAsync($"/api/v1/roots/{World.PlanRoot}")).Str("name").ShouldBe("Plan");
        (await bob.ReadAsync($"/api/v1/documents/{World.PlanDocument}")).Version().ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(EveryRecordRoute))]
    public async Task ARecordTheCallerCannotReadIsNotFoundAndStaysUnchanged(string method, string path, string? body)
    {
        using var bob = await As(World.Bob);
        using var dave = await As(World.Dave);
        var scene = await Scene.CreateAsync(bob, "Bob's private", (World.Carol, "RO"));
        var before = await scene.SnapshotAsync();

        (await dave.SendRawAsync(new HttpMethod(method), scene.Fill(path, World.Carol), body)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");

        (await scene.SnapshotAsync()).ShouldBe(before);
        (await dave.ReadAsync("/api/v1/roots")).Ids().ShouldNotContain(scene.Root);
    }

    [Theory]
    [MemberData(nameof(EveryRecordRoute))]
    public async Task ARecordThatDoesNotExistIsNotFound(string method, string path, string? body)
    {
        using var bob = await As(World.Bob);
        var nowhere = new Scene(bob, Guid.NewGuid(), Guid.NewGuid());

        (await bob.SendRawAsync(new HttpMethod(method), nowhere.Fill(path, World.Dave), body)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Theory]
    [MemberData(nameof(EveryWriteOnAnExistingRecord))]
    public async Task AReadOnlyHolderMayNotWrite(string method, string path, string? body)
    {
        using var bob = await As(World.Bob);
        using var carol = await As(World.Carol);
        var scene = await Scene.CreateAsync(bob, "Read only for carol", (World.Carol, "RO"), (World.Dave, "RO"));
        var before = await scene.SnapshotAsync();

        (await carol.SendRawAsync(new HttpMethod(method), scene.Fill(path, World.Dave), body)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        (await scene.SnapshotAsync()).ShouldBe(before);
        (await carol.ReadAsync($"/api/v1/roots/{scene.Root}")).Id().ShouldBe(scene.Root);
    }

    [Theory]
    [MemberData(nameof(EveryRouteWithABody))]
    public async Task ABodyThatIsNotJsonIsAMalformedRequest(string method, string path, string? body)
    {
        using var bob = await As(World.Bob);
        var scene = await Scene.CreateAsync(bob, "Malformed", (World.Carol, "RO"));
        var before = await scene.SnapshotAsync();
        var roots = (await bob.ReadAsync("/api/v1/roots")).Ids();
        var truncated = body is null ? "" : body[..(body.Length / 2)];

        (await bob.SendRawAsync(new HttpMethod(method), scene.Fill(path, World.Carol), truncated))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-request");

        (await scene.SnapshotAsync()).ShouldBe(before);
        (await bob.ReadAsync("/api/v1/roots")).Ids().ShouldBe(roots, ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(EveryRouteWithABody))]
    public async Task ABodyOfAnotherMediaTypeIsRefused(string method, string path, string? body)
    {
        using var bob = await As(World.Bob);
        var scene = await Scene.CreateAsync(bob, "Not JSON", (World.Carol, "RO"));
        var before = await scene.SnapshotAsync();
        var roots = (await bob.ReadAsync("/api/v1/roots")).Ids();

        (await bob.SendRawAsync(new HttpMethod(method), scene.Fill(path, World.Carol), body, "text/plain"))
            .ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");

        (await scene.SnapshotAsync()).ShouldBe(before);
        (await bob.ReadAsync("/api/v1/roots")).Ids().ShouldBe(roots, ignoreOrder: true);
    }

    [Fact]
    public async Task ADocumentOverTheSizeLimitIsRefused()
    {
        using var bob = await As(World.Bob);
        var scene = await Scene.CreateAsync(bob, "Too large");
        var before = await scene.SnapshotAsync();

        (await bob.SendAsync(HttpMethod.Post, $"/api/v1/roots/{scene.Root}/documents", new { type = "note", data = new { text = new string('x', 2 * 1024 * 1024) } }))
            .ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");

        (await scene.SnapshotAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task AnAdminReadsEveryRoot()
    {
        using var bob = await As(World.Bob);
        using var alice = await As(World.Alice);
        var scene = await Scene.CreateAsync(bob, "Bob's private", (World.Carol, "RO"));

        (await alice.ReadAsync("/api/v1/roots")).Ids().ShouldContain(scene.Root);
        (await alice.ReadAsync($"/api/v1/roots/{scene.Root}")).Id().ShouldBe(scene.Root);
        (await alice.ReadAsync($"/api/v1/roots/{scene.Root}/permissions")).GetProperty("users").Items()
            .Select(grant => grant.GetProperty("userId").GetGuid()).ShouldBe([World.Carol]);
        (await alice.ReadAsync($"/api/v1/roots/{scene.Root}/documents")).GetProperty("items").Ids().ShouldBe([scene.Document]);
        (await alice.ReadAsync($"/api/v1/documents/{scene.Document}")).Id().ShouldBe(scene.Document);
    }

    [Theory]
    [MemberData(nameof(EveryWriteOnAnExistingRecord))]
    public async Task AnAdminWithoutOnBehalfOfMayNotWriteWhereSheHoldsNoGrant(string method, string path, string? body)
    {
        using var bob = await As(World.Bob);
        using var alice = await As(World.Alice);
        var scene = await Scene.CreateAsync(bob, "Bob's private", (World.Carol, "RO"));
        var before = await scene.SnapshotAsync();

        (await alice.SendRawAsync(new HttpMethod(method), scene.Fill(path, World.Carol), body)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        (await scene.SnapshotAsync()).ShouldBe(before);
    }

    public static TheoryData<string, string, string?, HttpStatusCode> EveryWriteOnBehalf => new()
    {
        { "PATCH", "/api/v1/roots/{root}", """{"name": "changed"}""", HttpStatusCode.OK },
        { "DELETE", "/api/v1/roots/{root}", null, HttpStatusCode.NoContent },
        { "PUT", "/api/v1/roots/{root}/permissions/users/{user}", """{"access": "RW"}""", HttpStatusCode.OK },
        { "DELETE", "/api/v1/roots/{root}/permissions/users/{user}", null, HttpStatusCode.NoContent },
        { "POST", "/api/v1/roots/{root}/documents", """{"type": "note", "data": {"text": "new"}}""", HttpStatusCode.Created },
        { "PUT", "/api/v1/documents/{doc}", """{"data": {"text": "changed"}}""", HttpStatusCode.OK },
        { "DELETE", "/api/v1/documents/{doc}", null, HttpStatusCode.NoContent },
    };

    [Theory]
    [MemberData(nameof(EveryWriteOnBehalf))]
    public async Task AnAdminOnBehalfOfMayWriteWhereSheHoldsNoGrant(string method, string path, string? body, HttpStatusCode status)
    {
        using var bob = await As(World.Bob);
        using var alice = await As(World.Alice);
        var scene = await Scene.CreateAsync(bob, "Bob's private", (World.Carol, "RO"));
        var before = await scene.SnapshotAsync();

        (await alice.SendRawAsync(new HttpMethod(method), scene.Fill(path, World.Carol) + OnBehalf, body)).ShouldBe(status);

        (await scene.SnapshotAsync()).ShouldNotBe(before, "bob sees nothing of the change alice made on his behalf");
    }

    [Fact]
    public async Task AnAdminOnBehalfOfMayCreateADocumentInAnotherUsersName()
    {
        using var bob = await As(World.Bob);
        using var alice = await As(World.Alice);
        var scene = await Scene.CreateAsync(bob, "Bob's private");

        var created = await alice.CreateDocumentAsync(scene.Root, "note", new { text = "written for bob" }, query: OnBehalf, authorId: World.Bob);

        created.GetProperty("authorId").GetGuid().ShouldBe(World.Bob);
        (await bob.ReadAsync($"/api/v1/documents/{created.Id()}")).GetProperty("authorId").GetGuid().ShouldBe(World.Bob);
        (await bob.ReadAsync($"/api/v1/roots/{scene.Root}/documents")).GetProperty("items").Ids().ShouldContain(created.Id());
    }

    [Theory]
    [MemberData(nameof(EveryWriteOnAnExistingRecord))]
    public async Task ANonAdminAskingToActOnBehalfOfOthersIsForbidden(string method, string path, string? body)
    {
        // bob could make each of these changes himself; asking for onBehalfOf is what is refused.
        using var bob = await As(World.Bob);
        var scene = await Scene.CreateAsync(bob, "Bob's own", (World.Carol, "RO"));
        var before = await scene.SnapshotAsync();

        (await bob.SendRawAsync(new HttpMethod(method), scene.Fill(path, World.Carol) + OnBehalf, body)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        (await scene.SnapshotAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task ANonAdminMayNotCreateADocumentInAnotherUsersNameOnBehalf()
    {
        using var bob = await As(World.Bob);
        var scene = await Scene.CreateAsync(bob, "Bob's own", (World.Carol, "RW"));
        var before = await scene.SnapshotAsync();

        (await bob.SendAsync(HttpMethod.Post, $"/api/v1/roots/{scene.Root}/documents{OnBehalf}", new { type = "note", data = new { }, authorId = World.Carol }))
            .ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        (await scene.SnapshotAsync()).ShouldBe(before);
    }

    private string Seeded(string path) =>
        new Scene(null!, World.PlanRoot, World.PlanDocument).Fill(path, World.Carol);

    /// <summary>A root with one document and some user grants, owned by <see cref="Owner"/>.</summary>
    private sealed record Scene(ApiUser Owner, Guid Root, Guid Document)
    {
        public Guid Group { get; } = Guid.NewGuid();

        public static async Task<Scene> CreateAsync(ApiUser owner, string name, params (Guid User, string Access)[] grants)
        {
            var root = await owner.CreateRootIdAsync(name);
            foreach (var (user, access) in grants)
            {
                await owner.GrantAsync(root, user, access);
            }

            return new Scene(owner, root, await owner.CreateDocumentIdAsync(root));
        }

        public string Fill(string path, Guid user) => path
            .Replace("{root}", Root.ToString())
            .Replace("{doc}", Document.ToString())
            .Replace("{user}", user.ToString())
            .Replace("{group}", Group.ToString());

        /// <summary>Everything the owner sees of this root, in a form that compares as text.</summary>
        public async Task<string> SnapshotAsync()
        {
            var root = await Owner.GetAsync($"/api/v1/roots/{Root}");
            if (root.Status == HttpStatusCode.NotFound)
            {
                return "root gone";
            }

            var permissions = await Owner.ReadAsync($"/api/v1/roots/{Root}/permissions");
            var users = permissions.GetProperty("users").Items()
                .Select(grant => $"user {grant.GetProperty("userId").GetGuid()} {grant.Str("access")} v{grant.Version()}").Order();
            var groups = permissions.GetProperty("groups").Items()
                .Select(grant => $"group {grant.GetProperty("groupId").GetGuid()} {grant.Str("access")} v{grant.Version()}").Order();
            var documents = (await Owner.ReadAsync($"/api/v1/roots/{Root}/documents?pageSize=200")).GetProperty("items").Items()
                .Select(document => $"document {document.Id()} v{document.Version()} {document.GetProperty("data").GetRawText()}").Order();
            return string.Join(Environment.NewLine, [root.ShouldBe(HttpStatusCode.OK).GetRawText(), .. users, .. groups, .. documents]);
        }
    }
}
