using MassTransit;
using Roomcast.Contracts.Events.Identity;

namespace Roomcast.DocumentsApi.Projection;

/// <summary>Keeps each user's session epoch; epochs only grow, so a replayed or late older event changes nothing.</summary>
public sealed class UserSessionsEndedConsumer(MembershipProjectionStore projection) : IConsumer<UserSessionsEnded>
{
    public Task Consume(ConsumeContext<UserSessionsEnded> context) =>
        projection.RaiseSessionEpochAsync(context.Message.UserId, context.Message.SessionEpoch, context.CancellationToken);
}
