namespace Roomcast.ServiceDefaults.Health;

/// <summary>The tags that put a health check on an endpoint: <c>/health/ready</c> or <c>/health/live</c>.</summary>
public static class HealthTags
{
    /// <summary>Must pass before an instance takes traffic: its dependencies answer.</summary>
    public const string Ready = "ready";

    /// <summary>
    /// Fails only when the process cannot recover by itself and a restart would help; never for a
    /// dependency that is away (a database outage must not make the orchestrator restart every instance).
    /// </summary>
    public const string Live = "live";
}
