using Microsoft.AspNetCore.Identity;
using Roomcast.Contracts.Events.Identity;
using Roomcast.Identity.Events;
using Roomcast.Identity.Sessions;
using Roomcast.Identity.Tokens;
using Roomcast.Identity.Users;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.Identity.Accounts;

/// <summary>Creating accounts, changing passwords, roles and whether an account is disabled; each change with its integration events.</summary>
public sealed class AccountCommands(IdentityChanges changes, UserStore users, IPasswordHasher<User> hasher, CredentialsVerifier credentials, SessionIssuer sessions)
{
    /// <summary>The stored form of <paramref name="password"/>: salted, and slow on purpose (tens of milliseconds).</summary>
    public string HashPassword(string password) => hasher.HashPassword(new User(Guid.Empty, "", "", false), password);

    /// <summary>
    /// Creates an account; with <paramref name="ifAbsent"/>, an existing id or name is left alone (demo
    /// seeding); with <paramref name="hashPassword"/>, the password's stored form comes from it (demo
    /// seeding reuses one per distinct password), asked only when the account is created.
    /// </summary>
    public async Task<Outcome<User>> RegisterAsync(Guid actorId, Guid id, string username, string password, bool isAdmin, CancellationToken cancellationToken, bool ifAbsent = false, Func<string, string>? hashPassword = null)
    {
        hashPassword ??= HashPassword;
        // Hashed before the transaction opens: the hash takes tens of milliseconds on purpose, and an open
        // transaction holds one of the pool's few connections, which a burst of sign-ups would take from
        // every other request. A seed applied again at every start skips it for the accounts it finds.
        var hashed = ifAbsent ? null : hashPassword(password);
        await using var change = await changes.BeginAsync(actorId == Guid.Empty ? id : actorId, cancellationToken);
        if (ifAbsent && await UserStore.FindAsync(change.Connection, change.Transaction, id, cancellationToken) is { } existing)
        {
            return existing;
        }
        var user = new User(id, username.Trim(), hashed ?? hashPassword(password), isAdmin);
        if (!await UserStore.InsertIfAbsentAsync(change.Connection, change.Transaction, user, cancellationToken))
        {
            return ifAbsent ? user : new Outcome<User>.Conflict($"The username '{username}' is taken.", 0);
        }

        await change.PublishAsync(id, eventId => new UserRegistered(
            eventId, change.Now, id, user.Username, isAdmin, user.Version, change.ActorId, IdentityAudiences.ForUser(id)));
        await change.CommitAsync();
        return new Outcome<User>.Done(user, Created: true);
    }

    /// <summary>
    /// Changes the password and ends every session of the account (a stolen token dies with the old
    /// password); the caller gets a fresh session, committed with the change, so their own app goes on.
    /// </summary>
    public async Task<Outcome<TokenResponse>> ChangePasswordAsync(Guid userId, string currentPassword, string newPassword, CancellationToken cancellationToken)
    {
        // Both hashes run before the transaction opens (see RegisterAsync), against the account as read
        // then; under the lock, the account must still hold the password that was checked.
        var checkedAgainst = await users.FindAsync(userId, cancellationToken);
        if (checkedAgainst is null)
        {
            return new Outcome<TokenResponse>.NotFound($"user {userId}");
        }

        if (!credentials.Matches(checkedAgainst, currentPassword))
        {
            return new Outcome<TokenResponse>.Forbidden(CredentialsVerifier.WrongCurrentPassword);
        }

        var newHash = HashPassword(newPassword);
        await using var change = await changes.BeginAsync(userId, cancellationToken);
        var user = await UserStore.FindAsync(change.Connection, change.Transaction, userId, cancellationToken);
        if (user is null)
        {
            return new Outcome<TokenResponse>.NotFound($"user {userId}");
        }

        if (user.PasswordHash != checkedAgainst.PasswordHash)
        {
            // Changed meanwhile (a concurrent change won): the password given is no longer the current one.
            return new Outcome<TokenResponse>.Forbidden(CredentialsVerifier.WrongCurrentPassword);
        }

        var updated = await UserStore.SetPasswordAsync(change.Connection, change.Transaction, userId, newHash, cancellationToken);
        await change.PublishAsync(userId, eventId => new UserChanged(
            eventId, change.Now, userId, updated.Username, updated.IsAdmin, updated.Version, change.ActorId, IdentityAudiences.ForUser(userId)));
        updated = await SessionEnd.EndAllAsync(change, userId, SessionEndReasons.PasswordChanged, cancellationToken);
        var fresh = await sessions.StartWithinAsync(change, updated, cancellationToken);
        await change.CommitAsync();
        return fresh;
    }

    public async Task<Outcome<User>> SetAdminAsync(Guid actorId, Guid userId, bool isAdmin, CancellationToken cancellationToken)
    {
        await using var change = await changes.BeginAsync(actorId, cancellationToken);
        var user = await UserStore.FindAsync(change.Connection, change.Transaction, userId, cancellationToken);
        if (user is null)
        {
            return new Outcome<User>.NotFound($"user {userId}");
        }

        if (user.IsAdmin == isAdmin)
        {
            return user;
        }

        // Demotions take turns, so two at once cannot both see "another admin is left".
        if (!isAdmin && await UserStore.CountAdminsForDemotionAsync(change.Connection, change.Transaction, cancellationToken) <= 1)
        {
            return new Outcome<User>.Conflict("The last admin cannot be demoted.", user.Version);
        }

        var updated = await UserStore.SetAdminAsync(change.Connection, change.Transaction, userId, isAdmin, cancellationToken);
        await change.PublishAsync(userId, eventId => new UserRoleChanged(
            eventId, change.Now, userId, updated.Username, isAdmin, updated.Version, change.ActorId, IdentityAudiences.ForUser(userId)));
        await change.CommitAsync();
        return updated;
    }

    /// <summary>
    /// Disables or enables an account. Disabling ends every session of the account; the last enabled
    /// admin cannot be disabled, and an admin cannot disable themselves (they would lock themselves out).
    /// </summary>
    public async Task<Outcome<User>> SetDisabledAsync(Guid actorId, Guid userId, bool disabled, CancellationToken cancellationToken)
    {
        await using var change = await changes.BeginAsync(actorId, cancellationToken);
        var user = await UserStore.FindAsync(change.Connection, change.Transaction, userId, cancellationToken);
        if (user is null)
        {
            return new Outcome<User>.NotFound($"user {userId}");
        }

        if (disabled && actorId == userId)
        {
            return new Outcome<User>.Conflict("You cannot disable your own account.", user.Version);
        }

        if (user.Disabled == disabled)
        {
            return user;
        }

        if (disabled && user.IsAdmin && await UserStore.CountAdminsForDemotionAsync(change.Connection, change.Transaction, cancellationToken) <= 1)
        {
            return new Outcome<User>.Conflict("The last enabled admin cannot be disabled.", user.Version);
        }

        var updated = await UserStore.SetDisabledAsync(change.Connection, change.Transaction, userId, disabled, cancellationToken);
        await change.PublishAsync(userId, eventId => new UserChanged(
            eventId, change.Now, userId, updated.Username, updated.IsAdmin, updated.Version, change.ActorId, IdentityAudiences.ForUser(userId)));
        if (disabled)
        {
            updated = await SessionEnd.EndAllAsync(change, userId, SessionEndReasons.AccountDisabled, cancellationToken);
        }

        await change.CommitAsync();
        return updated;
    }
}
