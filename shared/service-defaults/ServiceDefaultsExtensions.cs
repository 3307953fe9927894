using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.ServiceDefaults.Health;
using Roomcast.ServiceDefaults.Http;
using Roomcast.ServiceDefaults.Logging;
using Roomcast.ServiceDefaults.Problems;
using Roomcast.ServiceDefaults.Telemetry;

namespace Roomcast.ServiceDefaults;

/// <summary>What every Roomcast service does alike: logging, Kestrel's socket scheduling, metrics, problem details, health endpoints.</summary>
public static class ServiceDefaultsExtensions
{
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.AddRoomcastLogging();
        builder.AddSocketScheduling();
        builder.AddRoomcastMetrics();
        builder.Services.AddRoomcastProblemDetails();
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>Validates access tokens issued by identity, fetched through its JWKS; no shared secret.</summary>
    public static IHostApplicationBuilder AddRoomcastJwtValidation(this IHostApplicationBuilder builder)
    {
        JwtValidationSetup.AddRoomcastJwtValidation(builder);
        return builder;
    }

    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseRoomcastMetrics();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapHealthEndpoints();
        return app;
    }
}
