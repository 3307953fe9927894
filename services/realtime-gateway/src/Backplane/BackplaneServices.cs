using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Configuration;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

internal static class BackplaneServices
{
    /// <summary>The backplane is on when <c>Redis__Endpoint</c> is set.</summary>
    public static bool HasBackplane(this IHostApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration.GetSection(BackplaneOptions.Section)[nameof(BackplaneOptions.Endpoint)]);

    /// <summary>This instance's Redis connection, shared by SignalR's lifetime manager and the event broker.</summary>
    public static void AddRedisBackplane(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<BackplaneOptions>(BackplaneOptions.Section);
        builder.Services.AddSingleton<BackplaneMetrics>();
        // The one multiplexer of the process: SignalR's own Redis backplane can take it too.
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
        builder.Services.AddHealthChecks().AddCheck<BackplaneReadinessCheck>("backplane", tags: ["ready"]);
    }

    /// <summary>Says once at start that this instance runs alone.</summary>
    public static void AddNoBackplaneNotice(this IHostApplicationBuilder builder) =>
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
