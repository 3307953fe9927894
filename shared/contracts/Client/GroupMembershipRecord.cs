namespace Roomcast.Contracts.Client;

/// <summary>
/// The <c>record</c> of a <c>GroupMembership</c> record event, shaped as identity's membership answer:
/// <c>NEW_RECORD</c> with <see cref="IsMember"/> true when a user is added, <c>CHANGED_RECORD</c> with it
/// false when removed (a membership has no id of its own for <c>DELETED_RECORD</c>; the pair of ids is
/// its key, and <see cref="MembershipVersion"/> orders changes of one group's members).
/// </summary>
public sealed record GroupMembershipRecord(Guid GroupId, Guid UserId, bool IsMember, long MembershipVersion);
