using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Roomcast.Outbox.EventLog;
using Roomcast.Outbox.Telemetry;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.Outbox;

public static class OutboxSetup
{
    /// <summary>
    /// The outbox writer and its relay for a service: <paramref name="eventTypes"/> names the
    /// integration events it publishes. Needs an <c>NpgsqlDataSource</c> and a MassTransit bus.
    /// </summary>
    public static IHostApplicationBuilder AddRoomcastOutbox(this IHostApplicationBuilder builder, Action<OutboxEventTypes> eventTypes)
    {
        builder.AddValidatedOptions<OutboxOptions>(OutboxOptions.Section);
        var types = new OutboxEventTypes();
        eventTypes(types);
        builder.Services.AddSingleton(types);
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<OutboxWriter>();
        builder.Services.AddSingleton<OutboxTransaction.Factory>();
        builder.Services.AddHostedService<OutboxRelay>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<OutboxRetention>();
        builder.Services.AddSingleton<EventLogStore>();
        builder.Services.AddSingleton<EventCopies>();
        builder.Services.AddSingleton<OutboxMetrics>();
        builder.Services.AddHostedService<OutboxBacklogProbe>();
        return builder;
    }
}
