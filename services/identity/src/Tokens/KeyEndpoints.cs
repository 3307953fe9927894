using Microsoft.AspNetCore.Http.HttpResults;

namespace Roomcast.Identity.Tokens;

public static class KeyEndpoints
{
    public static RouteGroupBuilder MapKeys(this RouteGroupBuilder api)
    {
        // Rotation on demand (a suspected leak, an operator's schedule): the new key is published now
        // and signs after the prepublication delay.
        api.MapPost("/keys/rotate", RotateAsync).RequireAuthorization(IdentityPolicies.Admin);
        return api;
    }

    private static async Task<Ok<IEnumerable<KeyStatus>>> RotateAsync(SigningKeyStore keys, CancellationToken cancellationToken)
    {
        await keys.RefreshAsync(force: true, cancellationToken);
        return TypedResults.Ok(keys.Keys.Select(key => new KeyStatus(key.Kid, key.ActivatesAt, key.RetiredAt)));
    }

    public sealed record KeyStatus(string Kid, DateTimeOffset ActivatesAt, DateTimeOffset? RetiredAt);
}
