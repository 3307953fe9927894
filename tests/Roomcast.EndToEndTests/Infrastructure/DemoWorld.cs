using System.Text.Json;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// The users, grants and documents one test class starts from, with fresh ids, written as the seed
/// file identity and documents-api read at start (the same format as scripts/demo-seed.json).
/// </summary>
public sealed class DemoWorld
{
    public const string Password = "e2e-password";

    public Guid Alice { get; } = Guid.NewGuid();   // admin
    public Guid Bob { get; } = Guid.NewGuid();     // RW on the plan, author of the plan document
    public Guid Carol { get; } = Guid.NewGuid();   // RO on the plan
    public Guid Dave { get; } = Guid.NewGuid();    // no grant on the plan

    public Guid StudyGroup { get; } = Guid.NewGuid();  // members: dave; no grant anywhere at start

    public Guid PlanRoot { get; } = Guid.NewGuid();
    public Guid PlanDocument { get; } = Guid.NewGuid();
    public Guid NoticeRoot { get; } = Guid.NewGuid();   // sharedAccess RO: everyone reads
    public Guid NoticeDocument { get; } = Guid.NewGuid();

    public string UsernameOf(Guid user) =>
        user == Alice ? "alice" : user == Bob ? "bob" : user == Carol ? "carol" : user == Dave ? "dave" : throw new ArgumentOutOfRangeException(nameof(user));

    public string WriteSeedFile()
    {
        var seed = new
        {
            users = new[] { Alice, Bob, Carol, Dave }.Select(id => new { id, username = UsernameOf(id), password = Password, isAdmin = id == Alice }),
            groups = new[] { new { id = StudyGroup, name = "Study group", members = new[] { Dave } } },
            roots = new object[]
            {
                new
                {
                    id = PlanRoot, name = "Plan", sharedAccess = "None", createdBy = Bob,
                    userPermissions = new[] { new { userId = Bob, access = "RW" }, new { userId = Carol, access = "RO" } },
                    documents = new[] { new { id = PlanDocument, authorId = Bob, type = "note", data = new { text = "v1" } } },
                },
                new
                {
                    id = NoticeRoot, name = "Notices", sharedAccess = "RO", createdBy = Alice,
                    documents = new[] { new { id = NoticeDocument, authorId = Alice, type = "note", data = new { text = "welcome" } } },
                },
            },
        };
        var path = Path.Combine(Path.GetTempPath(), $"roomcast-e2e-seed-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(seed));
        return path;
    }
}
