namespace Roomcast.Identity.Accounts;

public sealed record LoginRequest(string? Username, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record RegisterRequest(string? Username, string? Password, bool? IsAdmin);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record SetAdminRequest(bool? IsAdmin);

public sealed record SetDisabledRequest(bool? Disabled);
