using System.Net;
using System.Text.Json;
using Npgsql;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.DocumentsApi;

/// <summary>
/// A document write racing a grant change: its event's audience comes from the grants as the change
/// leaves them, never from the grants it replaces (ARCHITECTURE.md, "The flow of a change": the audience
/// is computed under the same lock order as grant changes). Each test holds a grant change open in a
/// transaction of its own on documents-api's database, with the lock on the root row a grant change
/// takes, sends the write, sees it wait for that lock (pg_stat_activity), commits, and reads the
/// audience of the write's event from the outbox.
/// </summary>
public sealed class WriteAudienceRaceTests(RoomcastStack stack) : IClassFixture<RoomcastStack>
{
    private DemoWorld World => stack.World;

    public static TheoryData<string> Writes => new() { "PUT", "POST", "DELETE" };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task ADocumentWriteRacingARevocationIsNotSentToTheRevokedReader(string write)
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        var root = await bob.CreateRootIdAsync($"Revoked during a {write}");
        await bob.GrantAsync(root, World.Carol, "RO");
        var document = await bob.CreateDocumentIdAsync(root);

        var race = await RaceAsync(bob, write, root, document,
            "DELETE FROM user_permissions WHERE root_id = @root AND user_id = @user", World.Carol);

        race.Audience.ShouldNotContain($"user:{World.Carol}",
            $"the {write} committed after carol's grant was revoked, yet its event is addressed to her: [{string.Join(", ", race.Audience)}]");
        race.Waited.ShouldBeTrue($"the {write} did not wait for the grant change that held the root");
    }

    [Fact]
    public async Task AnUpdateRacingAGrantReachesTheNewReader()
    {
        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        var root = await bob.CreateRootIdAsync("Granted during an update");
        var document = await bob.CreateDocumentIdAsync(root);

        var race = await RaceAsync(bob, "PUT", root, document,
            "INSERT INTO user_permissions (root_id, user_id, access) VALUES (@root, @user, 'RO')", World.Dave);

        race.Audience.ShouldContain($"user:{World.Dave}",
            $"the update committed after dave was granted the root, yet its event misses him: [{string.Join(", ", race.Audience)}]");
        race.Waited.ShouldBeTrue("the update did not wait for the grant change that held the root");
    }

    private sealed record Race(IReadOnlyList<string> Audience, bool Waited);

    /// <summary>
    /// Holds <paramref name="grantChange"/> uncommitted on the root, locked as RootCommands locks it for a
    /// grant change; sends <paramref name="write"/> as <paramref name="writer"/>; commits once the write
    /// waits for the lock (or has answered); returns the audience of the write's event.
    /// </summary>
    private async Task<Race> RaceAsync(ApiUser writer, string write, Guid root, Guid document, string grantChange, Guid subject)
    {
        await using var grantChanger = new NpgsqlConnection(stack.DocumentsDatabase);
        await grantChanger.OpenAsync();
        await using var transaction = await grantChanger.BeginTransactionAsync();
        await ExecuteAsync(grantChanger, "SELECT id FROM roots WHERE id = @root FOR UPDATE", root, subject);
        await ExecuteAsync(grantChanger, grantChange, root, subject);

        var answer = write switch
        {
            "PUT" => writer.SendAsync(HttpMethod.Put, $"/api/v1/documents/{document}", new { data = new { text = "during the grant change" } }),
            "POST" => writer.SendAsync(HttpMethod.Post, $"/api/v1/roots/{root}/documents", new { type = "note", data = new { text = "during the grant change" } }),
            "DELETE" => writer.DeleteAsync($"/api/v1/documents/{document}"),
            _ => throw new ArgumentOutOfRangeException(nameof(write)),
        };

        var waited = false;
        await Poll.UntilAsync(async () => answer.IsCompleted || (waited = await IsWaitingForAsync(grantChanger.ProcessID)),
            $"the {write} waiting for the grant change's lock, or answering");
        await transaction.CommitAsync();

        var answered = await answer;
        var record = write switch
        {
            "PUT" => answered.ShouldBe(HttpStatusCode.OK).Id(),
            "POST" => answered.ShouldBe(HttpStatusCode.Created).Id(),
            _ => Deleted(answered, document),
        };

        return new Race(await AudienceOfLastEventAboutAsync(record), waited);
    }

    private static Guid Deleted(Answer answered, Guid document)
    {
        answered.ShouldBe(HttpStatusCode.NoContent);
        return document;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, Guid root, Guid user)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("root", root);
        command.Parameters.AddWithValue("user", user);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Whether some backend of documents-api waits for a lock that backend <paramref name="holder"/> holds (asked on a connection of its own: pg_stat_activity is a snapshot per transaction).</summary>
    private async Task<bool> IsWaitingForAsync(int holder)
    {
        await using var connection = new NpgsqlConnection(stack.DocumentsDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE @holder = ANY(pg_blocking_pids(pid))", connection);
        command.Parameters.AddWithValue("holder", holder);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    /// <summary>The rooms of the newest outbox event about <paramref name="record"/>.</summary>
    private async Task<IReadOnlyList<string>> AudienceOfLastEventAboutAsync(Guid record)
    {
        await using var connection = new NpgsqlConnection(stack.DocumentsDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT payload->'audience' FROM outbox WHERE record_id = @record ORDER BY id DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("record", record);
        var audience = await command.ExecuteScalarAsync() as string;
        audience.ShouldNotBeNull($"no event about {record} is in the outbox");
        return JsonSerializer.Deserialize<List<string>>(audience)!;
    }
}
