using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Roomcast.Redis;

/// <summary>Section <c>Redis</c>: where Redis listens and how the client treats it.</summary>
public sealed class RedisOptions : IValidatableObject
{
    public const string Section = "Redis";

    /// <summary><c>host:port</c>; an IPv6 address in brackets (<c>[::1]:6379</c>).</summary>
    [Required]
    public string Endpoint { get; set; } = "";

    /// <summary>ACL user for <c>AUTH user password</c>; without it, <c>AUTH password</c> (the default user).</summary>
    public string? User { get; set; }

    /// <summary>Sent with <c>AUTH</c> on every (re)connect when set. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Selected with <c>SELECT</c> on every (re)connect when not 0.</summary>
    [Range(0, int.MaxValue)]
    public int Database { get; set; }

    /// <summary>Set with <c>CLIENT SETNAME</c> on every (re)connect, so <c>CLIENT LIST</c> shows who is who.</summary>
    [RegularExpression("^[!-~]+$", ErrorMessage = "ClientName must be printable ASCII without spaces.")]
    public string? ClientName { get; set; }

    /// <summary>How long one connection attempt may take: TCP connect plus AUTH / SELECT.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a command may wait for its reply before it fails with <see cref="TimeoutException"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delay before the first reconnect attempt; it doubles with every failed attempt up to <see cref="ReconnectMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Each delay is shortened by a random share of up to this fraction, so many clients do not reconnect in step.</summary>
    [Range(0.0, 1.0)]
    public double ReconnectJitter { get; set; } = 0.5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TryParseEndpoint(Endpoint, out _, out _))
        {
            yield return new ValidationResult(
                $"Endpoint '{Endpoint}' is not host:port with a port from 1 to 65535.", [nameof(Endpoint)]);
        }
        if (ReconnectMaxDelay < ReconnectMinDelay)
        {
            yield return new ValidationResult(
                "ReconnectMaxDelay must not be shorter than ReconnectMinDelay.", [nameof(ReconnectMaxDelay), nameof(ReconnectMinDelay)]);
        }
        if (!string.IsNullOrEmpty(User) && string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult("User needs a Password.", [nameof(User), nameof(Password)]);
        }
    }

    /// <summary>Throws <see cref="ValidationException"/> naming every invalid setting at once.</summary>
    internal void EnsureValid()
    {
        var context = new ValidationContext(this);
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, context, errors, validateAllProperties: true))
        {
            // The validator skips Validate() once an attribute failed; its findings belong in the same report.
            errors.AddRange(Validate(context).Where(error => errors.All(known => known.ErrorMessage != error.ErrorMessage)));
            throw new ValidationException("Invalid Redis options: " + string.Join(" ", errors.Select(error => error.ErrorMessage)));
        }
    }

    /// <summary>A copy, so later changes to the caller's instance do not reach a running client.</summary>
    internal RedisOptions Snapshot() => (RedisOptions)MemberwiseClone();

    internal (string Host, int Port) ParseEndpoint() => TryParseEndpoint(Endpoint, out var host, out var port)
        ? (host, port)
        : throw new ValidationException($"Endpoint '{Endpoint}' is not host:port.");

    private static bool TryParseEndpoint(string endpoint, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            return false;
        }
        host = endpoint[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        return host.Length > 0 && !host.Contains(' ');
    }
}
