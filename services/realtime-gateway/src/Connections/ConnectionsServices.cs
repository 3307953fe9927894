using Microsoft.AspNetCore.SignalR;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway.Connections;

internal static class ConnectionsServices
{
    /// <summary>
    /// <see cref="LocalConnections"/> and the lifetime manager that fills it, around
    /// <paramref name="innerOpenType"/> (SignalR's lifetime manager for this deployment, open over the hub).
    /// </summary>
    public static void AddLocalConnections(this IHostApplicationBuilder builder, Type innerOpenType)
    {
        builder.AddValidatedOptions<OutboundBufferOptions>(OutboundBufferOptions.Section);
        builder.Services.AddSingleton<ConnectionMetrics>();
        builder.Services.AddSingleton<LocalConnections>();
        builder.Services.AddSingleton(new InnerLifetimeManager(innerOpenType));
        builder.Services.AddSingleton(typeof(HubLifetimeManager<>), typeof(LocalConnectionsLifetimeManager<>));
    }
}
