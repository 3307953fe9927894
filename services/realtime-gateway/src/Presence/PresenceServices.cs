using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Rooms;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway.Presence;

/// <summary>Room counts (<c>CONNECTED_CLIENTS</c>) and presence (<c>PRESENCE</c>), across instances with a backplane and of this instance alone without one.</summary>
internal static class PresenceServices
{
    public static void AddPresence(this WebApplicationBuilder builder, bool backplane)
    {
        // The coordinator takes BackplaneRedis when it is registered (backplane on), and runs alone when not.
        _ = backplane;
        builder.AddValidatedOptions<PresenceOptions>(PresenceOptions.Section);
        builder.Services.AddSingleton(services => new LocalCensus(
            services.GetRequiredService<LocalRooms>(),
            services.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId,
            services.GetRequiredService<IOptions<PresenceOptions>>().Value.SharedRoomKinds()));
        builder.Services.AddHostedService<PresenceCoordinator>();
    }
}
