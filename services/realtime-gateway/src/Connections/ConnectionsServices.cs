using Microsoft.AspNetCore.SignalR;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway.Connections;

public static class ConnectionsServices
{
    /// <summary>
    /// <see cref="LocalConnections"/> and the lifetime manager that fills it, around
    /// <paramref name="innerOpenType"/> (SignalR's lifetime manager for this deployment, open over the hub).
    /// </summary>
    internal static void AddLocalConnections(this IHostApplicationBuilder builder, Type innerOpenType)
    {
        builder.AddValidatedOptions<OutboundBufferOptions>(OutboundBufferOptions.Section);
        builder.Services.AddLocalConnections(innerOpenType);
        builder.Services.AddHostedService<TokenExpirySweep>();
    }

    /// <summary>As the builder's overload, with <see cref="OutboundBufferOptions"/> left to the caller.</summary>
    public static IServiceCollection AddLocalConnections(this IServiceCollection services, Type innerOpenType)
    {
        services.AddSingleton<ConnectionMetrics>();
        services.AddSingleton<LocalConnections>();
        services.AddSingleton(new InnerLifetimeManager(innerOpenType));
        services.AddSingleton(typeof(HubLifetimeManager<>), typeof(LocalConnectionsLifetimeManager<>));
        return services;
    }
}
