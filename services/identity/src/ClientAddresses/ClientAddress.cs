namespace Roomcast.Identity.ClientAddresses;

/// <summary>The address a request comes from, after <see cref="TrustedProxies"/> has applied a trusted <c>X-Forwarded-For</c>.</summary>
public static class ClientAddress
{
    public const string Unknown = "unknown";

    public static string Of(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address
            ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString()
            : Unknown;
}
