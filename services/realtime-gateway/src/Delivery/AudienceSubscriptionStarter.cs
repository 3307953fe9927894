namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Subscribes this instance to the audience channel when the gateway starts. An instance that does
/// not consume events would otherwise never build <see cref="AudienceBroadcast"/>, and so never
/// deliver what the others publish to its connections.
/// </summary>
internal sealed class AudienceSubscriptionStarter(AudienceBroadcast broadcast) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => broadcast.SubscribedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
