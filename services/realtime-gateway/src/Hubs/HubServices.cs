using Microsoft.AspNetCore.SignalR;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway.Hubs;

/// <summary>SignalR for <see cref="NotificationsHub"/>, with the limits of <see cref="HubLimitsOptions"/>.</summary>
internal static class HubServices
{
    public static void AddNotificationsHub(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<HubLimitsOptions>(HubLimitsOptions.Section);
        var limits = builder.Configuration.GetSection(HubLimitsOptions.Section).Get<HubLimitsOptions>() ?? new HubLimitsOptions();
        builder.Services.AddSingleton<CallRateLimit>();
        builder.Services.AddSignalR(hub =>
        {
            hub.MaximumReceiveMessageSize = limits.MaximumReceiveMessageSize;
            hub.AddFilter<CallRateLimit>();
        });
    }
}
