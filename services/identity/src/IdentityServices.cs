using Microsoft.AspNetCore.Identity;
using Roomcast.Identity.Accounts;
using Roomcast.Identity.Demo;
using Roomcast.Identity.Tokens;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.Identity;

internal static class IdentityServices
{
    public static void AddIdentityServices(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<IdentityOptions>(IdentityOptions.Section);
        builder.Services.AddOptions<DemoSeedOptions>().Bind(builder.Configuration.GetSection(DemoSeedOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<CredentialsVerifier>();
        builder.Services.AddSingleton<SigningKeyStore>();
        builder.Services.AddSingleton<AccessTokenIssuer>();
        builder.Services.AddSingleton<DemoUserSeeder>();
    }

    /// <summary>Schema, signing keys and demo accounts, before the first request is served.</summary>
    public static async Task PrepareIdentityAsync(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync([typeof(IdentityServices).Assembly], stopping);
        await app.Services.GetRequiredService<SigningKeyStore>().LoadAsync(stopping);
        await app.Services.GetRequiredService<DemoUserSeeder>().SeedAsync(stopping);
    }
}
