using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.Identity.Tokens;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.Identity.Accounts;

public static class AuthEndpoints
{
    private const int MaxUsernameLength = 64;
    private const int MaxPasswordLength = 256;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder endpoints)
    {
        var auth = endpoints.MapGroup("/api/v1/auth");
        auth.MapPost("/login", LoginAsync);
        return endpoints;
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, CredentialsVerifier verifier, AccessTokenIssuer issuer, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Username) || request.Username.Length > MaxUsernameLength)
        {
            errors["username"] = [$"A username of 1 to {MaxUsernameLength} characters is required."];
        }

        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > MaxPasswordLength)
        {
            errors["password"] = [$"A password of 1 to {MaxPasswordLength} characters is required."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors)
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Type = ProblemTypes.InvalidValues,
                Title = "The login request has invalid values.",
            });
        }

        var user = await verifier.VerifyAsync(request.Username!, request.Password!, cancellationToken);
        if (user is null)
        {
            // One answer for an unknown user and a wrong password: nothing tells which names exist.
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                type: ProblemTypes.InvalidCredentials,
                title: "Unknown username or wrong password.");
        }

        var token = await issuer.IssueAsync(user, cancellationToken);
        return TypedResults.Ok(new LoginResponse(token.Value, (int)token.Lifetime.TotalSeconds));
    }
}
