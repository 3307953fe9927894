namespace Roomcast.RealtimeGateway.Membership;

/// <summary>The groups a user is a member of now, as the gateway's membership projection knows them.</summary>
public interface IUserGroups
{
    ValueTask<IReadOnlyCollection<Guid>> GroupsOfAsync(Guid userId, CancellationToken cancellationToken);
}
