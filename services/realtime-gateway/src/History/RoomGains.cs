using Roomcast.Contracts.Rooms;

namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// Records when a user gains a room that follows their account and whose past they could not read
/// before — a group, <c>admin</c> — so <c>Resume</c> does not reach back before it
/// (<see cref="ResumeRules.HeldSince"/>). Called by the consumers that move connections into those rooms,
/// before the move: a connection is never in such a room without the boundary recorded. The boundary is
/// the history's newest seq at that moment; the consumer's event is appended after it, so everything
/// before the change lies at or below it.
/// </summary>
public sealed class RoomGains(IEventBroker broker)
{
    /// <summary>
    /// The membership of <paramref name="userId"/> in <paramref name="groupId"/> as it is after the change
    /// <paramref name="eventId"/>: recorded when a member, forgotten when not.
    /// </summary>
    public Task MembershipAsync(Guid eventId, Guid userId, Guid groupId, bool isMember, CancellationToken cancellationToken)
    {
        var room = RoomName.Group(groupId).ToString();
        return isMember ? broker.RecordGainAsync(userId, room, eventId, cancellationToken) : broker.ForgetGainAsync(userId, room, cancellationToken);
    }

    /// <summary>
    /// A role change: a promotion records the boundary of <c>admin</c>. A demotion records nothing (the
    /// connections leave <c>admin</c>); a later promotion replaces the record.
    /// </summary>
    public Task RoleAsync(Guid eventId, Guid userId, bool isAdmin, CancellationToken cancellationToken) =>
        isAdmin ? broker.RecordGainAsync(userId, RoomName.Admin.ToString(), eventId, cancellationToken) : Task.CompletedTask;
}
