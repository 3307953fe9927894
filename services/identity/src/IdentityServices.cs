using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.Identity.Accounts;
using Roomcast.Identity.ClientAddresses;
using Roomcast.Identity.Demo;
using Roomcast.Identity.Events;
using Roomcast.Identity.Groups;
using Roomcast.Identity.Sessions;
using Roomcast.Identity.MembershipSnapshots;
using Roomcast.Identity.Tokens;
using Roomcast.Identity.Users;
using Roomcast.Outbox;
using Roomcast.Outbox.EventLog;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults.Configuration;
using Roomcast.ServiceDefaults.Messaging.DeadLetters;
using Roomcast.ServiceDefaults.Problems;

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
        builder.Services.AddSingleton<AccountCommands>();
        builder.Services.AddSingleton<GroupCommands>();
        builder.Services.AddSingleton<IdentityChanges>();
        builder.Services.AddSingleton<SigningKeyStore>();
        builder.Services.AddHostedService<SigningKeyRotation>();
        builder.Services.AddSingleton<AccessTokenIssuer>();
        builder.Services.AddSingleton<RefreshTokenStore>();
        builder.Services.AddSingleton<SessionIssuer>();
        builder.Services.AddSingleton<DemoUserSeeder>();
        builder.Services.AddSelfIssuedTokenValidation();
        builder.Services.AddIdentityPolicies();
        builder.Services.AddCredentialsRateLimit();
        builder.Services.AddSingleton<SessionCommands>();
        builder.Services.AddSingleton<LoginAttemptStore>();
        builder.Services.AddTrustedProxies();
        builder.Services.AddSigningKeySeal();
        builder.AddRoomcastOutbox(events => events
            .Add<UserRegistered>(RecordTypes.User)
            .Add<UserChanged>(RecordTypes.User)
            .Add<UserRoleChanged>(RecordTypes.User)
            .Add<StudentGroupCreated>(RecordTypes.StudentGroup)
            .Add<StudentGroupChanged>(RecordTypes.StudentGroup)
            .Add<StudentGroupDeleted>(RecordTypes.StudentGroup)
            .Add<GroupMembershipChanged>(RecordTypes.StudentGroup)
            .Add<UserSessionsEnded>(RecordTypes.User));
        builder.Services.AddMembershipSnapshots();
    }

    /// <summary>The API under <c>/api/v1</c>; each route states who may call it.</summary>
    public static void MapIdentityApi(this WebApplication app)
    {
        app.MapGroup("/api/v1")
            .MapAuth()
            .MapUsers()
            .MapGroups()
            .MapKeys()
            .MapSessions();
        app.MapEventLog("identity");
        app.MapDeadLetters("identity");
    }

    /// <summary>Schema, signing keys and demo accounts, before the first request is served.</summary>
    public static async Task PrepareIdentityAsync(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync([typeof(IdentityServices).Assembly, typeof(OutboxRelay).Assembly], stopping);
        await app.Services.GetRequiredService<SigningKeyStore>().RefreshAsync(force: false, stopping);
        await app.Services.GetRequiredService<DemoUserSeeder>().SeedAsync(stopping);
    }

    /// <summary>Login, refresh, logout and password changes are limited per client address, answered with 429 problem details beyond it.</summary>
    private static void AddCredentialsRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(AuthEndpoints.CredentialsRatePolicy, context =>
            {
                var settings = context.RequestServices.GetRequiredService<IOptions<IdentityOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(
                    ClientAddress.Of(context),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = settings.LoginRateLimit, Window = settings.LoginRateWindow, QueueLimit = 0 });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
                }

                await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: ProblemTypes.TooManyRequests,
                    detail: "Too many attempts from this address; wait and try again.").ExecuteAsync(context.HttpContext);
            };
        });
    }
}
