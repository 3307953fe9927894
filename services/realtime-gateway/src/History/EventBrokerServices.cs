using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway.History;

internal static class EventBrokerServices
{
    /// <summary>The event broker (in Redis with the backplane, in this process without it), <c>Resume</c> and the room-gain records it reads.</summary>
    public static void AddEventBroker(this WebApplicationBuilder builder, bool backplane)
    {
        builder.AddValidatedOptions<EventHistoryOptions>(EventHistoryOptions.Section);
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<EventHistoryOptions>>().Value);
        if (backplane)
        {
            builder.Services.AddSingleton<SeqHighWater>();
            builder.Services.AddSingleton<IEventBroker>(services => new RedisEventBroker(
                services.GetRequiredService<BackplaneRedis>(),
                services.GetRequiredService<EventHistoryOptions>(),
                services.GetRequiredService<SeqHighWater>(),
                services.GetRequiredService<BackplaneMetrics>(),
                services.GetRequiredService<ILogger<RedisEventBroker>>()));
        }
        else
        {
            builder.Services.AddSingleton<IEventBroker>(services => new InMemoryEventBroker(
                services.GetRequiredService<EventHistoryOptions>(),
                TimeProvider.System,
                services.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId,
                services.GetRequiredService<ILogger<InMemoryEventBroker>>()));
        }
        builder.Services.AddSingleton<EventResume>();
        builder.Services.AddSingleton<ResumeMetrics>();
        builder.Services.AddSingleton<RoomGains>();
    }
}
