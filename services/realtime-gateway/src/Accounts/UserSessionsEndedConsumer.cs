using MassTransit;
using Roomcast.Contracts.Events.Identity;

namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>
/// Applies identity's <see cref="UserSessionsEnded"/>: the projection's session epoch rises (a replayed
/// older event changes nothing), then every connection of the user on every instance whose token is of an
/// older epoch is closed (<see cref="AccountChanges"/>). Nothing is sent to clients: the event has no
/// client message of its own, and the user's connections are the ones closing.
/// </summary>
public sealed partial class UserSessionsEndedConsumer(IAccountProjection projection, AccountChanges changes, ILogger<UserSessionsEndedConsumer> logger) : IConsumer<UserSessionsEnded>
{
    public async Task Consume(ConsumeContext<UserSessionsEnded> context)
    {
        var ended = context.Message;
        var account = await projection.EndSessionsAsync(ended.UserId, ended.SessionEpoch, context.CancellationToken);
        await changes.SessionsEndedAsync(ended.UserId, account.SessionEpoch);
        LogEnded(ended.EventId, ended.UserId, ended.SessionEpoch, ended.Reason, account.SessionEpoch);
    }

    [LoggerMessage(EventId = GatewayLogEvents.AccountSessionsEnded, Level = LogLevel.Information,
        Message = "Event {EventId}: the sessions of user {UserId} ended at epoch {SessionEpoch} ({Reason}); projected epoch now {ProjectedEpoch}")]
    private partial void LogEnded(Guid eventId, Guid userId, long sessionEpoch, string reason, long projectedEpoch);
}
