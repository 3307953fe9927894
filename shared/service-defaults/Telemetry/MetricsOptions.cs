using System.ComponentModel.DataAnnotations;

namespace Roomcast.ServiceDefaults.Telemetry;

/// <summary>Section <c>Metrics</c>: where Prometheus scrapes this instance.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    public const string ScrapePath = "/metrics";

    /// <summary>
    /// The management port that answers <c>GET /metrics</c>; unset, no Prometheus endpoint exists.
    /// The server must listen on it too (<c>ASPNETCORE_HTTP_PORTS=8080;9464</c>): the endpoint answers
    /// on this port only, so exposing the public port never exposes the metrics.
    /// </summary>
    [Range(1, 65535)]
    public int? Port { get; set; }
}
