namespace Roomcast.Contracts.Events.Identity;

public enum MembershipChange
{
    Added,
    Removed,
}
