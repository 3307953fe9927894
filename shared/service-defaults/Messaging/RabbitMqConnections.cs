using RabbitMQ.Client;

namespace Roomcast.ServiceDefaults.Messaging;

/// <summary>An AMQP connection of its own to the service's broker, for admin work beside MassTransit's bus (dead letters, copies of events).</summary>
public static class RabbitMqConnections
{
    public static Task<IConnection> ConnectAsync(RabbitMqOptions settings, string purpose, CancellationToken cancellationToken) =>
        new ConnectionFactory
        {
            HostName = settings.Host,
            Port = settings.Port,
            VirtualHost = settings.VirtualHost,
            UserName = settings.Username,
            Password = settings.Password,
            ClientProvidedName = $"roomcast-{purpose}",
        }.CreateConnectionAsync(cancellationToken);
}
