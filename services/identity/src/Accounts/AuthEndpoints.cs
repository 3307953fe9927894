using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Roomcast.Identity.ClientAddresses;
using Roomcast.Identity.Tokens;
using Roomcast.ServiceDefaults.Http;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.Identity.Accounts;

public static class AuthEndpoints
{
    /// <summary>The rate-limiting policy of the endpoints that take a secret (these and the password change): per client address.</summary>
    public const string CredentialsRatePolicy = "credentials";

    public static RouteGroupBuilder MapAuth(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").RequireRateLimiting(CredentialsRatePolicy);
        auth.MapPost("/login", LoginAsync);
        auth.MapPost("/refresh", RefreshAsync);
        auth.MapPost("/logout", LogoutAsync);
        return api;
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> LoginAsync(
        HttpRequest request, CredentialsVerifier verifier, SessionIssuer sessions, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<LoginRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body!.Username) || body.Username.Length > 64)
        {
            errors["username"] = ["A username of 1 to 64 characters is required."];
        }

        if (string.IsNullOrEmpty(body.Password) || body.Password.Length > AccountRules.MaxPasswordLength)
        {
            errors["password"] = [$"A password of 1 to {AccountRules.MaxPasswordLength} characters is required."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var user = await verifier.VerifyAsync(body.Username!, body.Password!, ClientAddress.Of(request.HttpContext), cancellationToken);
        // One answer for an unknown user, a wrong password and a locked account: nothing tells which names exist.
        return user is null ? InvalidCredentials() : TypedResults.Ok(await sessions.StartAsync(user, cancellationToken));
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        HttpRequest request, RefreshTokenStore refreshTokens, UserStore users, SessionIssuer sessions, IOptions<IdentityOptions> options, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<RefreshRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(body!.RefreshToken) || body.RefreshToken.Length > 256)
        {
            return Problems.Invalid("refreshToken", "refreshToken is required.");
        }

        var rotation = await refreshTokens.RotateAsync(body.RefreshToken, options.Value.RefreshTokenLifetime, cancellationToken);
        if (rotation is not RefreshTokenStore.Rotation.Rotated rotated || await users.FindAsync(rotated.UserId, cancellationToken) is not { } user)
        {
            var reason = rotation is RefreshTokenStore.Rotation.Refused refused ? refused.Reason : "the account is gone";
            return Problems.Of(StatusCodes.Status401Unauthorized, ProblemTypes.InvalidCredentials, $"The refresh token is not valid: {reason}.");
        }

        return TypedResults.Ok(await sessions.ContinueAsync(user, rotated.RefreshToken, cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> LogoutAsync(
        HttpRequest request, RefreshTokenStore refreshTokens, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<RefreshRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(body!.RefreshToken) || body.RefreshToken.Length > 256)
        {
            return Problems.Invalid("refreshToken", "refreshToken is required.");
        }

        // Idempotent and silent about unknown tokens: logging out twice is not an error.
        await refreshTokens.RevokeAsync(body.RefreshToken, cancellationToken);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, type: ProblemTypes.InvalidCredentials, title: "Unknown username or wrong password.");
}
