using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Replay;

internal static class ReplayServices
{
    /// <summary>With the backplane a replay reaches the target on every instance; without, this one's connections.</summary>
    public static void AddReplays(this WebApplicationBuilder builder, bool backplane)
    {
        builder.Services.AddSingleton(provider => new ConnectionReplays(
            provider.GetRequiredService<LocalRooms>(),
            provider.GetRequiredService<LocalConnections>(),
            provider.GetRequiredService<ILogger<ConnectionReplays>>(),
            backplane ? provider.GetRequiredService<BackplaneRedis>() : null));
        if (backplane)
        {
            builder.Services.AddHostedService<SubscriptionStarter>();
        }
    }

    /// <summary>Subscribes the replay channels when the gateway starts: an instance hears replays for its connections without ever sending one.</summary>
    private sealed class SubscriptionStarter(ConnectionReplays replays) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => replays.SubscribedAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
