using System.Text.Json;
using Microsoft.Extensions.Options;
using Roomcast.Identity.Accounts;
using Roomcast.Identity.Groups;
using Roomcast.Identity.Users;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.Identity.Demo;

/// <summary>
/// Creates the accounts, student groups and memberships listed in the demo seed file (the same file
/// documents-api reads), skipping those that exist; each new one is announced with its event like
/// any registration or group change.
/// </summary>
public sealed partial class DemoUserSeeder(IOptions<DemoSeedOptions> options, AccountCommands accounts, GroupCommands groups, ILogger<DemoUserSeeder> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.Value.SeedFile))
        {
            return;
        }

        await using var file = File.OpenRead(options.Value.SeedFile);
        var seed = await JsonSerializer.DeserializeAsync<DemoSeed>(file, Json, cancellationToken)
            ?? throw new InvalidDataException($"Demo seed file {options.Value.SeedFile} is empty.");
        var created = 0;
        // One hash per distinct password, not per account: a thousand seeded accounts sharing the demo's
        // password cost one hash, not a minute before identity is ready. Accounts with the same password
        // then store the same salted hash, which shows they share it: acceptable for demo accounts whose
        // passwords stand in the seed file, and why registration does not do it.
        // Hashed only for an account created now: a restart, which creates none, hashes nothing.
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        string HashOnce(string password) =>
            hashes.TryGetValue(password, out var hash) ? hash : hashes[password] = accounts.HashPassword(password);
        foreach (var account in seed.Users)
        {
            var outcome = await accounts.RegisterAsync(account.Id, account.Id, account.Username, account.Password, account.IsAdmin, cancellationToken, ifAbsent: true, hashPassword: HashOnce);
            if (outcome is Outcome<User>.Done { Created: true })
            {
                created++;
            }
        }

        // The first admin of the seed acts for the groups, as an admin would through the API.
        var actor = seed.Users.FirstOrDefault(user => user.IsAdmin)?.Id ?? Guid.Empty;
        foreach (var group in seed.Groups ?? [])
        {
            await groups.CreateAsync(actor, group.Name, cancellationToken, group.Id);
            foreach (var member in group.Members)
            {
                await groups.SetMemberAsync(actor, group.Id, member, member: true, cancellationToken);
            }
        }

        LogSeeded(created, seed.Users.Count, seed.Groups?.Count ?? 0, options.Value.SeedFile);
    }

    private sealed record DemoSeed(IReadOnlyList<DemoAccount> Users, IReadOnlyList<DemoGroup>? Groups);

    private sealed record DemoGroup(Guid Id, string Name, IReadOnlyList<Guid> Members);

    private sealed record DemoAccount(Guid Id, string Username, string Password, bool IsAdmin);

    [LoggerMessage(EventId = IdentityLogEvents.DemoSeedApplied, Level = LogLevel.Information, Message = "Demo seed: created {Created} of {Total} accounts, ensured {Groups} groups from {SeedFile}")]
    private partial void LogSeeded(int created, int total, int groups, string seedFile);
}
