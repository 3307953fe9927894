using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.ServiceDefaults.Messaging;

public static class MessageBusSetup
{
    /// <summary>
    /// MassTransit on RabbitMQ with the settings from <see cref="RabbitMqOptions"/>, its usage telemetry
    /// off. MassTransit adds its own bus health check, tagged <c>ready</c>.
    /// </summary>
    public static IHostApplicationBuilder AddRoomcastMessageBus(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? registerConsumers = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureEndpoints = null)
    {
        builder.AddValidatedOptions<RabbitMqOptions>(RabbitMqOptions.Section);
        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit reports usage data to its vendor at every start unless told not to: a service of
            // ours makes no outbound call its operator did not configure.
            bus.ConfigureUsageTelemetryOptions(usage => usage.Enabled = false);
            registerConsumers?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                });
                configureEndpoints?.Invoke(context, rabbit);
            });
        });
        return builder;
    }
}
