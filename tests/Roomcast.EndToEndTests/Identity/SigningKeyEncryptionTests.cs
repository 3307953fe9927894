using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// identity's signing keys at rest (services/identity/README.md, "Key rotation"): sealed with the
/// key-encryption key of <c>Identity__KeyEncryptionKey</c>, so the database alone holds no private
/// key; a restart with the same setting signs and validates with the same keys; a plain key left by
/// an earlier version is sealed on start; a wrong or missing setting stops the service at start.
/// Each test runs identity alone, on a database of its own, and restarts it.
/// </summary>
public sealed class SigningKeyEncryptionTests(LoneIdentity bus) : IClassFixture<LoneIdentity>
{
    private const string OtherKey = "RrniUXmYPeR8eDVZAMXThFwYhSk4MxMC2wB831uE1xA=";

    [Fact]
    public async Task NoPrivateKeyIsReadableInTheDatabaseAndARestartWithTheSameKeyKeepsTheSameSigningKeys()
    {
        await using var database = await IsolatedDatabase.CreateAsync(bus.Stack, "identity");
        string token;
        IReadOnlyList<string> kids;
        await using (var first = await bus.StartAsync(database, RoomcastStack.KeyEncryptionKey))
        {
            token = await LoneIdentity.LoginAsync(first, "alice");
            kids = await PublishedKidsAsync(first);
        }

        await ShouldHoldNoPrivateKeyAsync(database);

        await using var second = await bus.StartAsync(database, RoomcastStack.KeyEncryptionKey);
        (await PublishedKidsAsync(second)).ShouldBe(kids, "a restart with the same key-encryption key publishes the same keys");
        using var me = await GetMeAsync(second, token);
        me.StatusCode.ShouldBe(HttpStatusCode.OK, $"a token signed before the restart is still valid after it: {await me.Content.ReadAsStringAsync()}");
        Jwt.Kid(await LoneIdentity.LoginAsync(second, "bob")).ShouldBe(Jwt.Kid(token), "the same key signs after the restart");
    }

    [Fact]
    public async Task APlainKeyLeftByAnEarlierVersionIsSealedOnStartAndKeepsSigning()
    {
        await using var database = await IsolatedDatabase.CreateAsync(bus.Stack, "identity");
        await (await bus.StartAsync(database, RoomcastStack.KeyEncryptionKey)).DisposeAsync();
        // What an earlier version wrote: the newest key, as plain PEM.
        using var legacy = RSA.Create(2048);
        var legacyKid = Guid.NewGuid().ToString("N");
        await ExecuteAsync(database,
            "INSERT INTO signing_keys (kid, private_key_pem, activates_at) VALUES (@kid, @pem, now() - interval '1 second')",
            ("kid", legacyKid), ("pem", legacy.ExportPkcs8PrivateKeyPem()));

        await using var upgraded = await bus.StartAsync(database, RoomcastStack.KeyEncryptionKey);

        await ShouldHoldNoPrivateKeyAsync(database);
        (await PublishedKidsAsync(upgraded)).ShouldContain(legacyKid);
        var token = await LoneIdentity.LoginAsync(upgraded, "carol");
        Jwt.Kid(token).ShouldBe(legacyKid, "the upgraded key is the newest active one, so it signs");
        using var me = await GetMeAsync(upgraded, token);
        me.StatusCode.ShouldBe(HttpStatusCode.OK, await me.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(OtherKey)]
    [InlineData("")]
    [InlineData("bm90LTMyLWJ5dGVz")]
    public async Task AWrongOrMissingKeyEncryptionKeyStopsTheServiceAtStartNamingTheSetting(string keyEncryptionKey)
    {
        await using var database = await IsolatedDatabase.CreateAsync(bus.Stack, "identity");
        await (await bus.StartAsync(database, RoomcastStack.KeyEncryptionKey)).DisposeAsync();

        var refused = await Should.ThrowAsync<InvalidOperationException>(async () => await (await bus.StartAsync(database, keyEncryptionKey)).DisposeAsync());

        refused.Message.ShouldContain("exited", Case.Sensitive, "the service must stop, not run without its keys");
        refused.Message.ShouldContain("Identity__KeyEncryptionKey");
    }

    private static async Task ShouldHoldNoPrivateKeyAsync(IsolatedDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT * FROM signing_keys", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
            for (var column = 0; column < reader.FieldCount; column++)
            {
                var name = reader.GetName(column);
                switch (reader.GetValue(column))
                {
                    case string text:
                        text.ShouldNotContain("PRIVATE KEY", Case.Insensitive, $"column {name} holds a private key in clear");
                        text.ShouldNotContain("MII", Case.Sensitive, $"column {name} holds base64 DER");
                        break;
                    case byte[] bytes:
                        ReadsAsPrivateKey(bytes).ShouldBeFalse($"column {name} holds a readable PKCS#8 key");
                        break;
                }
            }
        }

        rows.ShouldBeGreaterThan(0, "identity must have stored its signing key");
    }

    private static bool ReadsAsPrivateKey(byte[] bytes)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(bytes, out _);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static async Task ExecuteAsync(IsolatedDatabase database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task<IReadOnlyList<string>> PublishedKidsAsync(ServiceProcess identity)
    {
        using var http = new HttpClient { BaseAddress = identity.BaseAddress };
        var jwks = await http.GetFromJsonAsync<JsonElement>(IdentityApi.Jwks);
        return jwks.GetProperty("keys").EnumerateArray().Select(key => key.GetProperty("kid").GetString()!).Order().ToList();
    }

    private static async Task<HttpResponseMessage> GetMeAsync(ServiceProcess identity, string token)
    {
        using var http = new HttpClient { BaseAddress = identity.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.GetAsync(IdentityApi.Me);
    }
}
