using System.Net.Http.Headers;
using System.Text.Json;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>identity's <c>GET /api/v1/users/me/groups</c>, asked with the connecting user's own token.</summary>
public sealed class IdentityGroups(HttpClient http)
{
    // Relative, so an identity URL with a path prefix keeps it.
    public const string MyGroupsPath = "api/v1/users/me/groups";

    /// <summary>The ids of the caller's groups; throws <see cref="HttpRequestException"/> on a failed answer.</summary>
    public async Task<IReadOnlyCollection<Guid>> OfCallerAsync(string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, MyGroupsPath);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var groups = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        return groups.RootElement.EnumerateArray().Select(group => group.GetProperty("id").GetGuid()).ToList();
    }
}
