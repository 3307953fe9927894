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
        // One answer for an unknown user, a wrong password, a locked and a disabled account (the
        // session does not start): nothing tells which names exist.
        return user is not null && await sessions.StartAsync(user, cancellationToken) is { } tokens ? TypedResults.Ok(tokens) : InvalidCredentials();
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        HttpRequest request, RefreshTokenStore refreshTokens, SessionIssuer sessions, IOptions<IdentityOptions> options, CancellationToken cancellationToken)
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

        var rotation = await refreshTokens.RotateAsync(body.RefreshToken, options.Value.RefreshTokenLifetime, options.Value.RefreshFamilyLifetime, cancellationToken);
        return rotation switch
        {
            RefreshTokenStore.Rotation.Rotated rotated => TypedResults.Ok(await sessions.ContinueAsync(rotated.User, rotated.RefreshToken, cancellationToken)),
            RefreshTokenStore.Rotation.Refused refused => Problems.Of(StatusCodes.Status401Unauthorized, ProblemTypes.InvalidCredentials, $"The refresh token is not valid: {refused.Reason}."),
            _ => throw new InvalidOperationException($"Unknown rotation {rotation}."),
        };
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
