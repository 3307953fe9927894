using MassTransit;
using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Rooms;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>The gateway's projection of users' roles and session epochs from identity's events, and the live changes it drives.</summary>
internal static class AccountServices
{
    /// <summary>With the backplane the projection lives in Redis and changes reach every instance; without, both stay in this process.</summary>
    public static void AddAccounts(this WebApplicationBuilder builder, bool backplane)
    {
        var services = builder.Services;
        if (backplane)
        {
            services.AddSingleton<IAccountProjection>(provider => new RedisAccountProjection(
                provider.GetRequiredService<IConnectionMultiplexer>(),
                provider.GetRequiredService<IOptions<BackplaneOptions>>().Value));
            services.AddSingleton(provider => new AccountChanges(
                provider.GetRequiredService<LocalRooms>(),
                provider.GetRequiredService<LocalConnections>(),
                provider.GetRequiredService<ILogger<AccountChanges>>(),
                provider.GetRequiredService<BackplaneRedis>()));
            services.AddHostedService<ChangeSubscriptionStarter>();
        }
        else
        {
            services.AddSingleton<IAccountProjection, InMemoryAccountProjection>();
            services.AddSingleton(provider => new AccountChanges(
                provider.GetRequiredService<LocalRooms>(),
                provider.GetRequiredService<LocalConnections>(),
                provider.GetRequiredService<ILogger<AccountChanges>>()));
        }

        services.AddSingleton<UserRoles>();
    }

    /// <summary>identity's user events, one consumer each, on the gateway's one ordered event endpoint.</summary>
    public static void AddAccountConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<UserRegisteredConsumer>();
        bus.AddConsumer<UserChangedConsumer>();
        bus.AddConsumer<UserRoleChangedConsumer>();
        bus.AddConsumer<UserSessionsEndedConsumer>();
    }

    /// <summary>Subscribes the account channel when the gateway starts: an instance that consumes no identity event would otherwise miss the changes the others publish.</summary>
    private sealed class ChangeSubscriptionStarter(AccountChanges changes) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => changes.SubscribedAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
