using System.Text.RegularExpressions;

namespace Roomcast.Identity.Accounts;

/// <summary>What usernames and passwords may be; each check returns a message or null.</summary>
internal static partial class AccountRules
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 256;

    public static string? UsernameProblem(string? username) =>
        username is null || !UsernamePattern().IsMatch(username) ? "username must be 3 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'." : null;

    public static string? PasswordProblem(string? password) =>
        password is null || password.Length < MinPasswordLength || password.Length > MaxPasswordLength
            ? $"password must be {MinPasswordLength} to {MaxPasswordLength} characters."
            : null;

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,64}$")]
    private static partial Regex UsernamePattern();
}
