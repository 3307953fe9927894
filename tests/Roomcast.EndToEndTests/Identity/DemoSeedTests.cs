using Npgsql;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// identity's demo seed (<c>Demo__SeedFile</c>) is hashed once per distinct password, not once per
/// account: a seed of a thousand accounts sharing the demo's password must not cost a minute of
/// hashing before identity is ready. Every seeded account still signs in with its password.
/// </summary>
public sealed class DemoSeedTests(LoneIdentity identity) : IClassFixture<LoneIdentity>
{
    [Fact]
    public async Task SeededAccountsThatShareAPasswordShareOneHashAndEachSignsInWithIt()
    {
        await using var database = await IsolatedDatabase.CreateAsync(identity.Stack, "identity");
        await using var service = await identity.StartAsync(database, RoomcastStack.KeyEncryptionKey);

        var world = identity.World;
        var seeded = new[] { world.Alice, world.Bob, world.Carol, world.Dave };
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT password_hash) FROM users WHERE id = ANY(@seeded)", connection);
            command.Parameters.AddWithValue("seeded", seeded);
            await using var reader = await command.ExecuteReaderAsync();
            (await reader.ReadAsync()).ShouldBeTrue();
            reader.GetInt64(0).ShouldBe(seeded.Length, "every account of the seed was created");
            reader.GetInt64(1).ShouldBe(1, "the seed's accounts share one password, so one hash");
        }

        foreach (var user in seeded)
        {
            (await LoneIdentity.LoginAsync(service, world.UsernameOf(user))).ShouldNotBeNullOrEmpty();
        }
    }
}
