namespace Roomcast.RealtimeGateway.Access;

/// <summary>The access token a connection authenticated with: the WebSocket's <c>access_token</c> query parameter or the Authorization header.</summary>
internal static class BearerToken
{
    public static string? Of(HttpContext? http)
    {
        if (http is null)
        {
            return null;
        }
        var query = http.Request.Query["access_token"].ToString();
        if (!string.IsNullOrEmpty(query))
        {
            return query;
        }
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}
