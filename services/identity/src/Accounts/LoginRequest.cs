namespace Roomcast.Identity.Accounts;

public sealed record LoginRequest(string? Username, string? Password);

public sealed record LoginResponse(string AccessToken, int ExpiresIn, string TokenType = "Bearer");
