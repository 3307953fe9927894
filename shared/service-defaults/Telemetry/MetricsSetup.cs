using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.ServiceDefaults.Telemetry;

internal static class MetricsSetup
{
    /// <summary>Every meter of a Roomcast service is named <c>Roomcast.&lt;Service&gt;.&lt;Feature&gt;</c>.</summary>
    public const string RoomcastMeters = "Roomcast.*";

    /// <summary>The standard OpenTelemetry variable; the OTLP exporter reads it (and its siblings) itself.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// The service's own meters and the ASP.NET Core, HTTP client and runtime instruments, exported to
    /// Prometheus when <see cref="MetricsOptions.Port"/> is set and over OTLP when
    /// <see cref="OtlpEndpointSetting"/> is; with neither, nothing is collected.
    /// </summary>
    public static void AddRoomcastMetrics(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<MetricsOptions>(MetricsOptions.Section);
        var prometheus = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>()?.Port is not null;
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]);
        if (!prometheus && !otlp)
        {
            return;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RoomcastMeters)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
    }

    /// <summary>Answers <c>GET /metrics</c> on the management port alone, ahead of authentication.</summary>
    public static void UseRoomcastMetrics(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Port is not { } port)
        {
            return;
        }

        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Connection.LocalPort == port && context.Request.Path == MetricsOptions.ScrapePath);
    }
}
