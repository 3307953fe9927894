using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway.History;

internal static class EventHistoryServices
{
    /// <summary>The recent-event history (in Redis with the backplane, in this process without it) and <c>Resume</c>.</summary>
    public static void AddEventHistory(this WebApplicationBuilder builder, bool backplane)
    {
        builder.AddValidatedOptions<EventHistoryOptions>(EventHistoryOptions.Section);
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<EventHistoryOptions>>().Value);
        builder.Services.AddSingleton<SeqHighWater>();
        if (backplane)
        {
            builder.Services.AddSingleton<IEventHistory>(services => new RedisEventHistory(
                services.GetRequiredService<BackplaneRedis>(), services.GetRequiredService<EventHistoryOptions>(), services.GetRequiredService<SeqHighWater>()));
        }
        else
        {
            builder.Services.AddSingleton<IEventHistory>(services => new InMemoryEventHistory(
                services.GetRequiredService<EventHistoryOptions>(), TimeProvider.System));
        }
        builder.Services.AddSingleton<EventResume>();
    }
}
