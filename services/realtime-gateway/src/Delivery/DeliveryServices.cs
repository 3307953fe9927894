using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Delivering an event to its audience, in delivery order, timed and counted.</summary>
internal static class DeliveryServices
{
    public static void AddDelivery(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RecentEvents>();
        builder.Services.AddSingleton<AudienceDelivery>();
        builder.AddValidatedOptions<DeliveryOrderOptions>(DeliveryOrderOptions.Section);
        builder.Services.AddSingleton(services => new DeliveryOrder(
            services.GetRequiredService<IOptions<DeliveryOrderOptions>>().Value.UnseenTimeout, services.GetRequiredService<ILogger<DeliveryOrder>>()));
        builder.AddValidatedOptions<DeliveryTimingsOptions>(DeliveryTimingsOptions.Section);
        builder.Services.AddSingleton<DeliveryTimings>();
        builder.Services.AddHostedService<DeliveryTimingsLog>();
        builder.Services.AddSingleton<DeliveryMetrics>();
    }
}
