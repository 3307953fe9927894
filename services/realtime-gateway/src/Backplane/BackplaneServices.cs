using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using Roomcast.ServiceDefaults.Configuration;
using Roomcast.ServiceDefaults.Health;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

public static class BackplaneServices
{
    /// <summary>The backplane is on when <c>Redis__Endpoint</c> is set.</summary>
    internal static bool HasBackplane(this IHostApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration.GetSection(BackplaneOptions.Section)[nameof(BackplaneOptions.Endpoint)]);

    /// <summary>
    /// The one multiplexer of the process, shared by SignalR's own Redis backplane (hub-level sends:
    /// <c>Clients.All/Group/User/Client</c>) and Roomcast's event broker.
    /// </summary>
    internal static void AddRedisBackplane(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<BackplaneOptions>(BackplaneOptions.Section);
        builder.Services.AddSingleton<BackplaneMetrics>();
        builder.Services.AddSingleton<IConnectionMultiplexer>(services =>
        {
            var configuration = services.GetRequiredService<IOptions<BackplaneOptions>>().Value
                .RedisConfiguration(services.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId);
            configuration.LoggerFactory = services.GetRequiredService<ILoggerFactory>();
            return ConnectionMultiplexer.Connect(configuration);
        });
        builder.Services.AddSingleton(services => new BackplaneRedis(
            services.GetRequiredService<IOptions<BackplaneOptions>>().Value,
            services.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId,
            services.GetRequiredService<IConnectionMultiplexer>(),
            services.GetRequiredService<ILogger<BackplaneRedis>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<BackplaneRedis>());
        // Spans of the multiplexer's commands, in the trace of the event they serve; exported only when
        // tracing is (OTEL_EXPORTER_OTLP_ENDPOINT), otherwise never collected.
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddRedisInstrumentation());
        builder.Services.AddSignalRBackplane();
        builder.Services.AddHealthChecks().AddCheck<BackplaneReadinessCheck>("backplane", tags: [HealthTags.Ready]);
    }

    /// <summary>
    /// SignalR's Redis backplane (<c>RedisHubLifetimeManager</c>) on the registered
    /// <see cref="IConnectionMultiplexer"/>, its channels under <see cref="BackplaneRedis.Channels"/>'s
    /// prefix (<see cref="SignalRChannels"/>); it opens no connection of its own.
    /// </summary>
    public static IServiceCollection AddSignalRBackplane(this IServiceCollection services)
    {
        services.AddSignalR().AddStackExchangeRedis();
        services.AddOptions<RedisOptions>().Configure<IServiceProvider>((redis, provider) =>
            redis.ConnectionFactory = _ => SignalRChannels.ConnectAsync(
                provider.GetRequiredService<IConnectionMultiplexer>(), provider.GetRequiredService<BackplaneRedis>().Channels));
        return services;
    }

    /// <summary>Says once at start that this instance runs alone.</summary>
    internal static void AddNoBackplaneNotice(this IHostApplicationBuilder builder) =>
        builder.Services.AddHostedService<NoBackplaneNotice>();

    private sealed class NoBackplaneNotice(ILogger<NoBackplaneNotice> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.NoBackplane();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
