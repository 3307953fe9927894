using System.Text.Json;
using Microsoft.Extensions.Options;
using Roomcast.Identity.Accounts;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.Identity.Demo;

/// <summary>
/// Creates the accounts listed in the demo seed file (the same file documents-api reads), skipping
/// those that exist; each new one is announced with <c>UserRegistered</c> like any registration.
/// </summary>
public sealed partial class DemoUserSeeder(IOptions<DemoSeedOptions> options, AccountCommands accounts, ILogger<DemoUserSeeder> logger)
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
            var outcome = await accounts.RegisterAsync(account.Id, account.Id, account.Username, account.Password, account.IsAdmin, cancellationToken, ifAbsent: true);
            if (outcome is Outcome<User>.Done { Created: true })
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
