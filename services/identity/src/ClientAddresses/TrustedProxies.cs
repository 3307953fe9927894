using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Roomcast.Identity.ClientAddresses;

/// <summary>
/// Behind an ingress every request comes from the proxy's address, so the credential limits and the
/// lockout would count every client as one. <c>X-Forwarded-For</c> is believed only when it arrives
/// from a proxy named in <see cref="IdentityOptions.TrustedProxies"/> (addresses or CIDR ranges);
/// the framework's default trust of loopback is dropped, so with no setting nothing is forwarded.
/// </summary>
public static class TrustedProxies
{
    public const string Setting = "Identity__TrustedProxies";

    public static void AddTrustedProxies(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<IdentityOptions>, TrustedProxiesValidation>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<IdentityOptions>>((forwarded, identity) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            // Walk back through every trusted hop; the first address that is not a trusted proxy is the client.
            forwarded.ForwardLimit = null;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            // The obsolete list is still consulted and holds its own default (127.0.0.0/8): it must be emptied too.
#pragma warning disable ASPDEPR005
            forwarded.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var entry in Entries(identity.Value.TrustedProxies))
            {
                if (entry.Contains('/'))
                {
                    forwarded.KnownIPNetworks.Add(IPNetwork.Parse(entry));
                }
                else
                {
                    forwarded.KnownProxies.Add(IPAddress.Parse(entry));
                }
            }
        });
    }

    /// <summary>First in the pipeline, so the rate limiter and the lockout see the client's address.</summary>
    public static void UseTrustedProxies(this WebApplication app) => app.UseForwardedHeaders();

    private static IEnumerable<string> Entries(string? setting) =>
        (setting ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private sealed class TrustedProxiesValidation : IValidateOptions<IdentityOptions>
    {
        public ValidateOptionsResult Validate(string? name, IdentityOptions options)
        {
            var wrong = Entries(options.TrustedProxies)
                .Where(entry => !(entry.Contains('/') ? IPNetwork.TryParse(entry, out _) : IPAddress.TryParse(entry, out _)))
                .ToList();
            return wrong.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{Setting} must list IP addresses or CIDR ranges (such as 10.0.0.0/8), comma-separated; these are neither: {string.Join(", ", wrong)}.");
        }
    }
}
