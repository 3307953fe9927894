namespace Roomcast.Contracts.Client;

/// <summary>The <c>record</c> of a <c>User</c> record event: what identity's API returns for a user, never its password hash or lockout state.</summary>
public sealed record UserRecord(Guid Id, string Username, bool IsAdmin, long Version);
