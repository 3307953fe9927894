using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Roomcast.Identity.ClientAddresses;
using Roomcast.Identity.Groups;
using Roomcast.Identity.Tokens;
using Roomcast.Identity.Users;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.ServiceDefaults.Http;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.Identity.Accounts;

public static class UserEndpoints
{
    public static RouteGroupBuilder MapUsers(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users");
        // Open registration lets anonymous callers in; otherwise the handler asks for an admin.
        users.MapPost("/", RegisterAsync).AllowAnonymous();
        users.MapGet("/me", MeAsync).RequireAuthorization();
        users.MapPut("/me/password", ChangePasswordAsync).RequireAuthorization().RequireRateLimiting(AuthEndpoints.CredentialsRatePolicy);
        users.MapGet("/me/groups", (ClaimsPrincipal user, GroupCommands groups, CancellationToken cancellationToken) =>
            GroupEndpoints.ListOfAsync(user.UserId(), groups, cancellationToken)).RequireAuthorization();
        users.MapGet("/", ListAsync).RequireAuthorization(IdentityPolicies.Admin);
        users.MapGet("/{id}", GetAsync).RequireAuthorization(IdentityPolicies.Admin);
        users.MapPut("/{id}/admin", SetAdminAsync).RequireAuthorization(IdentityPolicies.Admin);
        users.MapPut("/{id}/disabled", SetDisabledAsync).RequireAuthorization(IdentityPolicies.Admin);
        users.MapGet("/{id}/groups", (Guid id, GroupCommands groups, CancellationToken cancellationToken) =>
            GroupEndpoints.ListOfAsync(id, groups, cancellationToken)).RequireAuthorization(IdentityPolicies.Admin);
        return api;
    }

    private static async Task<Results<Created<UserResponse>, ProblemHttpResult>> RegisterAsync(
        HttpRequest request, ClaimsPrincipal user, AccountCommands accounts, IOptions<IdentityOptions> options, CancellationToken cancellationToken)
    {
        var isAdmin = user.Identity?.IsAuthenticated == true && user.IsAdmin();
        if (!options.Value.OpenRegistration && !isAdmin)
        {
            return user.Identity?.IsAuthenticated == true
                ? Problems.Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Only admins create accounts.")
                : Problems.Of(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthenticated, "Sign in as an admin to create accounts.");
        }

        var (body, problem) = await JsonBody.ReadAsync<RegisterRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        if (AccountRules.UsernameProblem(body!.Username) is { } usernameProblem)
        {
            errors["username"] = [usernameProblem];
        }

        if (AccountRules.PasswordProblem(body.Password) is { } passwordProblem)
        {
            errors["password"] = [passwordProblem];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        if (body.IsAdmin == true && !isAdmin)
        {
            return Problems.Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Only admins create admins.");
        }

        var actor = user.UserId() ?? Guid.Empty;
        var outcome = await accounts.RegisterAsync(actor, Guid.NewGuid(), body.Username!, body.Password!, body.IsAdmin == true, cancellationToken);
        return outcome is Outcome<User>.Done done
            ? TypedResults.Created($"/api/v1/users/{done.Value.Id}", UserResponse.From(done.Value))
            : Problems.For(outcome);
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> MeAsync(ClaimsPrincipal user, UserStore users, CancellationToken cancellationToken) =>
        user.UserId() is { } id && await users.FindAsync(id, cancellationToken) is { } found
            ? TypedResults.Ok(UserResponse.From(found))
            : Problems.Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Your account no longer exists.");

    /// <summary>Every session of the account ends; the answer is the caller's fresh session, so their own app goes on.</summary>
    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> ChangePasswordAsync(
        HttpRequest request, ClaimsPrincipal user, AccountCommands accounts, CredentialsVerifier credentials, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<ChangePasswordRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(body!.CurrentPassword))
        {
            return Problems.Invalid("currentPassword", "currentPassword is required.");
        }

        if (AccountRules.PasswordProblem(body.NewPassword) is { } passwordProblem)
        {
            return Problems.Invalid("newPassword", passwordProblem);
        }

        // The current password is a guess like a login's: counted towards the lockout of this client, and a
        // locked-out client is told what a wrong password is told.
        var userId = user.UserId()!.Value;
        var client = ClientAddress.Of(request.HttpContext);
        if (await credentials.IsLockedOutAsync(userId, client, cancellationToken))
        {
            credentials.SpendDecoyHash(body.CurrentPassword);
            return Problems.For(new Outcome<TokenResponse>.Forbidden(CredentialsVerifier.WrongCurrentPassword));
        }

        var outcome = await accounts.ChangePasswordAsync(userId, body.CurrentPassword, body.NewPassword!, cancellationToken);
        if (outcome is Outcome<TokenResponse>.Done or Outcome<TokenResponse>.Forbidden)
        {
            await credentials.RecordAsync(userId, client, succeeded: outcome is Outcome<TokenResponse>.Done, cancellationToken);
        }

        return outcome is Outcome<TokenResponse>.Done done ? TypedResults.Ok(done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetAsync(Guid id, UserStore users, CancellationToken cancellationToken) =>
        await users.FindAsync(id, cancellationToken) is { } found
            ? TypedResults.Ok(UserResponse.From(found))
            : Problems.Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, $"No user {id}.");

    private static async Task<Ok<IEnumerable<UserResponse>>> ListAsync(UserStore users, CancellationToken cancellationToken) =>
        TypedResults.Ok((await users.ListAsync(cancellationToken)).Select(UserResponse.From));

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> SetAdminAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, AccountCommands accounts, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<SetAdminRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.IsAdmin is not { } isAdmin)
        {
            return Problems.Invalid("isAdmin", "isAdmin is required: true or false.");
        }

        var outcome = await accounts.SetAdminAsync(user.UserId()!.Value, id, isAdmin, cancellationToken);
        return outcome is Outcome<User>.Done done ? TypedResults.Ok(UserResponse.From(done.Value)) : Problems.For(outcome);
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> SetDisabledAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, AccountCommands accounts, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<SetDisabledRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Disabled is not { } disabled)
        {
            return Problems.Invalid("disabled", "disabled is required: true or false.");
        }

        var outcome = await accounts.SetDisabledAsync(user.UserId()!.Value, id, disabled, cancellationToken);
        return outcome is Outcome<User>.Done done ? TypedResults.Ok(UserResponse.From(done.Value)) : Problems.For(outcome);
    }
}
