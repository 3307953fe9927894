namespace Roomcast.ServiceDefaults.Problems;

/// <summary>
/// Stable problem <c>type</c> URIs, one per kind of error: clients switch on these, never on titles.
/// </summary>
public static class ProblemTypes
{
    private const string Base = "https://roomcast.dev/problems/";

    public const string MalformedRequest = Base + "malformed-request";
    public const string Unauthenticated = Base + "unauthenticated";
    public const string Forbidden = Base + "forbidden";
    public const string NotFound = Base + "not-found";
    public const string MethodNotAllowed = Base + "method-not-allowed";
    public const string Conflict = Base + "conflict";
    public const string PayloadTooLarge = Base + "payload-too-large";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
    public const string InvalidValues = Base + "invalid-values";
    public const string InvalidCredentials = Base + "invalid-credentials";
    public const string TooManyRequests = Base + "too-many-requests";
    public const string Overloaded = Base + "overloaded";
    public const string ShuttingDown = Base + "shutting-down";
    public const string MembershipNotYetApplied = Base + "membership-not-yet-applied";
    public const string Internal = Base + "internal";

    /// <summary>The type used when an endpoint answers a bare status code.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => MalformedRequest,
        401 => Unauthenticated,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => InvalidValues,
        429 => TooManyRequests,
        _ => Internal,
    };
}
