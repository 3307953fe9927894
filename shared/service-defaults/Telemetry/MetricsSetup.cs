using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.ServiceDefaults.Telemetry;

internal static class MetricsSetup
{
    /// <summary>Every meter of a Roomcast service is named <c>Roomcast.&lt;Service&gt;.&lt;Feature&gt;</c>.</summary>
    public const string RoomcastMeters = "Roomcast.*";

    /// <summary>The standard OpenTelemetry variable; the OTLP exporter reads it (and its siblings) itself.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Every activity source of a Roomcast service (and the shared outbox) is named <c>Roomcast.&lt;Feature&gt;</c>.</summary>
    public const string RoomcastActivitySources = "Roomcast.*";

    /// <summary>MassTransit's activity source: its send and consume spans carry a trace across RabbitMQ.</summary>
    public const string MassTransitActivitySource = "MassTransit";

    /// <summary>Npgsql's own activity source (what <c>Npgsql.OpenTelemetry</c>'s <c>AddNpgsql</c> adds): a span per command.</summary>
    public const string NpgsqlActivitySource = "Npgsql";

    /// <summary>
    /// The service's own meters and the ASP.NET Core, HTTP client and runtime instruments, exported to
    /// Prometheus when <see cref="MetricsOptions.Port"/> is set and over OTLP when
    /// <see cref="OtlpEndpointSetting"/> is; with neither, nothing is collected. With OTLP, traces too:
    /// requests, HTTP calls, PostgreSQL commands, MassTransit's publishes and consumes and the service's
    /// own spans, so one trace runs from a change's request through the outbox relay to the gateway's send.
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

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName));
        telemetry.WithMetrics(metrics =>
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
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(RoomcastActivitySources, MassTransitActivitySource, NpgsqlActivitySource)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        }
    }

    /// <summary>Health probes and scrapes, a request every few seconds that no trace needs.</summary>
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.Ordinal) || path.StartsWithSegments(MetricsOptions.ScrapePath, StringComparison.Ordinal);

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
