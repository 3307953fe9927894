namespace Roomcast.Contracts.Client;

/// <summary>
/// The <c>record</c> of a <c>StudentGroup</c> record event: identity's group without its member list
/// (the events do not carry it; members travel as <c>GroupMembership</c> records).
/// </summary>
public sealed record StudentGroupRecord(Guid Id, string Name, long Version);
