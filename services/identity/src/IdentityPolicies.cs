using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.Identity;

/// <summary>Authorisation policies of identity's API.</summary>
public static class IdentityPolicies
{
    public const string Admin = "admin";

    public static void AddIdentityPolicies(this IServiceCollection services) =>
        services.AddAuthorizationBuilder().AddPolicy(Admin, policy => policy.RequireAuthenticatedUser().RequireRole(RoomcastClaims.AdminRole));
}
