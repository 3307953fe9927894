namespace Roomcast.Identity.Accounts;

public sealed record User(Guid Id, string Username, string PasswordHash, bool IsAdmin);
