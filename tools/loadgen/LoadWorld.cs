using System.Diagnostics;
using System.Net;

namespace Roomcast.LoadGen;

/// <summary>A user the generator created, signed in, and the group it was put in.</summary>
public sealed record SeededUser(Guid Id, string Username, string Token, int Group);

/// <summary>A root, its one document the updates go to, and the group that reads it (<c>-1</c>: shared with everyone).</summary>
public sealed record SeededRoot(Guid Id, Guid DocumentId, int Group);

/// <summary>
/// The world a run drives: users in groups, roots each readable by one group (or by everyone), one
/// document per root. The expected audience of an update follows from it alone: the members of the
/// root's group (or every user), each on every one of their connections.
/// </summary>
public sealed record LoadWorld(IReadOnlyList<SeededUser> Users, IReadOnlyList<SeededRoot> Roots, string WriterToken)
{
    private const int Parallelism = 8;

    /// <summary>Whether <paramref name="user"/> reads the document of <paramref name="root"/>.</summary>
    public static bool Reads(SeededUser user, SeededRoot root) => root.Group < 0 || root.Group == user.Group;

    public static async Task<LoadWorld> SeedAsync(LoadOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        using var identityHttp = RoomcastApi.Client(options.Identity);
        using var documentsHttp = RoomcastApi.Client(options.DocumentsApi);
        var identity = new RoomcastApi(identityHttp);
        var documents = new RoomcastApi(documentsHttp);
        var password = $"loadgen-{options.RunId}";
        var clock = Stopwatch.StartNew();

        var admin = await identity.LoginAsync(options.AdminUsername, options.AdminPassword, cancellationToken);
        var writerName = $"{options.RunId}-writer";
        await identity.RequireAsync(HttpMethod.Post, "/api/v1/users", new { username = writerName, password }, admin, cancellationToken, HttpStatusCode.Created);

        var userIds = new Guid[options.Users];
        await Parallel.ForAsync(0, options.Users, Limit(cancellationToken), async (index, token) =>
        {
            var user = await identity.RequireAsync(HttpMethod.Post, "/api/v1/users", new { username = UserName(options, index), password }, admin, token, HttpStatusCode.Created);
            userIds[index] = user.GetProperty("id").GetGuid();
        });
        progress($"created {options.Users} users and a writer in {clock.Elapsed.TotalSeconds:0.0} s");

        var groupIds = new Guid[options.Groups];
        for (var group = 0; group < options.Groups; group++)
        {
            var created = await identity.RequireAsync(HttpMethod.Post, "/api/v1/groups", new { name = $"{options.RunId}-g{group}" }, admin, cancellationToken, HttpStatusCode.Created);
            groupIds[group] = created.GetProperty("id").GetGuid();
        }
        await Parallel.ForAsync(0, options.Users, Limit(cancellationToken), async (index, token) =>
            await identity.RequireAsync(HttpMethod.Put, $"/api/v1/groups/{groupIds[index % options.Groups]}/members/{userIds[index]}", null, admin, token,
                HttpStatusCode.Created, HttpStatusCode.OK));
        progress($"created {options.Groups} groups with their members in {clock.Elapsed.TotalSeconds:0.0} s");

        var writer = await identity.LoginAsync(writerName, password, cancellationToken);
        var roots = new SeededRoot[options.Roots];
        await Parallel.ForAsync(0, options.Roots, Limit(cancellationToken), async (index, token) =>
        {
            var group = options.Broadcast ? -1 : index % options.Groups;
            var root = await documents.RequireAsync(HttpMethod.Post, "/api/v1/roots",
                new { name = $"{options.RunId}-r{index}", sharedAccess = options.Broadcast ? "RO" : "None" }, writer, token, HttpStatusCode.Created);
            var rootId = root.GetProperty("id").GetGuid();
            if (group >= 0)
            {
                // documents-api learns of the group from identity's events: retry until it has.
                await UntilAsync(async () => (await documents.SendAsync(HttpMethod.Put, $"/api/v1/roots/{rootId}/permissions/groups/{groupIds[group]}",
                    new { access = "RO" }, writer, token)).Status is HttpStatusCode.Created or HttpStatusCode.OK, $"documents-api to know group {groupIds[group]}", token);
            }
            var document = await documents.RequireAsync(HttpMethod.Post, $"/api/v1/roots/{rootId}/documents",
                new { type = "loadgen", data = new { n = -1 } }, writer, token, HttpStatusCode.Created);
            roots[index] = new SeededRoot(rootId, document.GetProperty("id").GetGuid(), group);
        });
        progress($"created {options.Roots} roots{(options.Broadcast ? " shared with everyone" : " each read by one group")}, one document each, in {clock.Elapsed.TotalSeconds:0.0} s");

        var users = new SeededUser[options.Users];
        await Parallel.ForAsync(0, options.Users, Limit(cancellationToken), async (index, token) =>
            users[index] = new SeededUser(userIds[index], UserName(options, index), await identity.LoginAsync(UserName(options, index), password, token), index % options.Groups));
        progress($"signed in {options.Users} users in {clock.Elapsed.TotalSeconds:0.0} s");

        // Memberships reach documents-api by events: every user must read its group's first root
        // before the run starts, or a missing delivery would be the projection's lag, not a loss.
        await Parallel.ForAsync(0, options.Users, Limit(cancellationToken), async (index, token) =>
        {
            var root = roots.First(root => Reads(users[index], root));
            await UntilAsync(async () => (await documents.SendAsync(HttpMethod.Get, $"/api/v1/roots/{root.Id}", null, users[index].Token, token)).Status == HttpStatusCode.OK,
                $"{users[index].Username} to read root {root.Id}", token);
        });
        progress($"every user reads its roots ({clock.Elapsed.TotalSeconds:0.0} s)");
        return new LoadWorld(users, roots, writer);
    }

    private static string UserName(LoadOptions options, int index) => $"{options.RunId}-u{index}";

    private static ParallelOptions Limit(CancellationToken cancellationToken) => new() { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };

    /// <summary>Bounded poll: 60 s, every 100 ms.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Waited 60 s for {what}.");
            }
            await Task.Delay(100, cancellationToken);
        }
    }
}
