using Microsoft.AspNetCore.Identity;
using Roomcast.Contracts.Events.Identity;
using Roomcast.Identity.Events;
using Roomcast.Identity.Tokens;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.Identity.Accounts;

/// <summary>Creating accounts, changing passwords and roles; each change with its integration event.</summary>
public sealed class AccountCommands(IdentityChanges changes, IPasswordHasher<User> hasher, CredentialsVerifier credentials)
{
    /// <summary>Creates an account; with <paramref name="ifAbsent"/>, an existing id or name is left alone (demo seeding).</summary>
    public async Task<Outcome<User>> RegisterAsync(Guid actorId, Guid id, string username, string password, bool isAdmin, CancellationToken cancellationToken, bool ifAbsent = false)
    {
        await using var change = await changes.BeginAsync(actorId == Guid.Empty ? id : actorId, cancellationToken);
        var user = new User(id, username.Trim(), "", isAdmin);
        user = user with { PasswordHash = hasher.HashPassword(user, password) };
        if (!await UserStore.InsertIfAbsentAsync(change.Connection, change.Transaction, user, cancellationToken))
        {
            return ifAbsent ? user : new Outcome<User>.Conflict($"The username '{username}' is taken.", 0);
        }

        await change.PublishAsync(id, eventId => new UserRegistered(
            eventId, change.Now, id, user.Username, isAdmin, user.Version, change.ActorId, IdentityAudiences.ForUser(id)));
        await change.CommitAsync();
        return new Outcome<User>.Done(user, Created: true);
    }

    public async Task<Outcome<User>> ChangePasswordAsync(Guid userId, string currentPassword, string newPassword, CancellationToken cancellationToken)
    {
        await using var change = await changes.BeginAsync(userId, cancellationToken);
        var user = await UserStore.FindAsync(change.Connection, change.Transaction, userId, cancellationToken);
        if (user is null)
        {
            return new Outcome<User>.NotFound($"user {userId}");
        }

        if (!credentials.Matches(user, currentPassword))
        {
            return new Outcome<User>.Forbidden(CredentialsVerifier.WrongCurrentPassword);
        }

        var updated = await UserStore.SetPasswordAsync(change.Connection, change.Transaction, userId, hasher.HashPassword(user, newPassword), cancellationToken);
        // Every other session of this account ends: a stolen refresh token dies with the old password.
        await RefreshTokenStore.RevokeAllAsync(change.Connection, change.Transaction, userId, cancellationToken);
        await change.PublishAsync(userId, eventId => new UserChanged(
            eventId, change.Now, userId, updated.Username, updated.IsAdmin, updated.Version, change.ActorId, IdentityAudiences.ForUser(userId)));
        await change.CommitAsync();
        return updated;
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
}
