using Microsoft.Extensions.DependencyInjection.Extensions;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway.Access;

/// <summary>Who may join which room, and taking connections out of <c>root:</c> rooms when their access goes.</summary>
internal static class AccessServices
{
    public static void AddRoomAccess(this WebApplicationBuilder builder, bool backplane)
    {
        builder.AddValidatedOptions<RoomAccessOptions>(RoomAccessOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHttpClient(RootReadAccess.HttpClientName);
        if (backplane)
        {
            builder.Services.AddSingleton<IMembershipDepartures, RedisMembershipDepartures>();
        }
        else
        {
            builder.Services.AddSingleton<IMembershipDepartures, InMemoryMembershipDepartures>();
        }
        builder.Services.AddSingleton<RootReadAccess>();
        builder.Services.AddSingleton<JoinedRoots>();
        builder.Services.AddSingleton(services => new RootAccessChanges(
            services.GetRequiredService<Rooms.LocalRooms>(),
            services.GetRequiredService<JoinedRoots>(),
            services.GetRequiredService<RootReadAccess>(),
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RoomAccessOptions>>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<RootAccessChanges>>(),
            backplane ? services.GetRequiredService<BackplaneRedis>() : null));
        builder.Services.AddSingleton<IRootAccessChanges>(services => services.GetRequiredService<RootAccessChanges>());
        builder.Services.AddHostedService<RootAccessSubscriptionStarter>();
    }

    /// <summary>Hears the other instances' access changes from the start, whether or not this instance consumes events.</summary>
    private sealed class RootAccessSubscriptionStarter(RootAccessChanges changes) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => changes.Subscribed.WaitAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
