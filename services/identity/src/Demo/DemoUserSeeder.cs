using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Roomcast.Identity.Accounts;

namespace Roomcast.Identity.Demo;

/// <summary>
/// Creates the accounts listed in the demo seed file (the same file documents-api reads), skipping
/// those that exist, so the stack can be demonstrated before registration has an API.
/// </summary>
public sealed partial class DemoUserSeeder(
    IOptions<DemoSeedOptions> options, UserStore users, IPasswordHasher<User> hasher, ILogger<DemoUserSeeder> logger)
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
        foreach (var account in seed.Users)
        {
            var user = new User(account.Id, account.Username, "", account.IsAdmin);
            if (await users.InsertIfAbsentAsync(user with { PasswordHash = hasher.HashPassword(user, account.Password) }, cancellationToken))
            {
                created++;
            }
        }

        LogSeeded(created, seed.Users.Count, options.Value.SeedFile);
    }

    private sealed record DemoSeed(IReadOnlyList<DemoAccount> Users);

    private sealed record DemoAccount(Guid Id, string Username, string Password, bool IsAdmin);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Demo seed: created {Created} of {Total} accounts from {SeedFile}")]
    private partial void LogSeeded(int created, int total, string seedFile);
}
