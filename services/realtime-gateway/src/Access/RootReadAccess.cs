using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Access;
using Roomcast.ServiceDefaults.Problems;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// Whether a user may read a root as a reader (not as an admin), as documents-api answers it to that
/// user's own token (<c>GET /api/v1/roots/{id}</c> with <see cref="AccessConsistency.AsReaderHeader"/>:
/// 200 readable, 404 not — documents-api never says a root exists to someone who cannot read it).
/// Answers therefore never depend on the role, and a role change leaves them true. A "yes" is cached
/// for <see cref="RoomAccessOptions.CacheDuration"/> and dropped at once when the root's grants change
/// or the user leaves a group, and all of them when this instance may have missed such a change (a
/// backplane gap). A "no" is never cached: only what may take access away is announced to every
/// instance, so nothing would drop a "no" that a new grant or membership has made wrong.
/// </summary>
/// <remarks>
/// A revocation that lands while a question is out wins: each drop also bumps a revocation generation
/// (per root, per user, and one for everything; roots and users share <see cref="Stripes"/> counters
/// each, so an unrelated change may cost a question again, never a missed revocation). A caller takes a
/// <see cref="Stamp"/> before it asks and acts on a "yes" only through <see cref="TryAdmit"/>, which
/// refuses once anything was revoked meanwhile; a "yes" is cached only when nothing was. After a user
/// leaves a group, every question about them on any instance names the departure
/// (<see cref="AccessConsistency.AfterMembershipHeader"/>, <see cref="IMembershipDepartures"/>) until
/// documents-api has answered one, so it is never answered from a projection that has not applied it. More
/// departures than one header may name are asked about in turns of
/// <see cref="AccessConsistency.MaxAfterMemberships"/>; only the answer to the last turn counts.
/// </remarks>
public sealed partial class RootReadAccess(
    IHttpClientFactory clients, IMembershipDepartures departures, IOptions<RoomAccessOptions> options, TimeProvider clock, ILogger<RootReadAccess> logger)
{
    /// <summary>Above this many cached answers, expired ones are swept (and all of them if none had expired).</summary>
    private const int MaxAnswers = 10_000;

    public const string HttpClientName = "documents-api";

    private const int Stripes = 1024;

    private readonly ConcurrentDictionary<(Guid User, Guid Root), (bool Readable, long ExpiresAt)> _answers = new();
    private readonly long[] _rootGenerations = new long[Stripes];
    private readonly long[] _userGenerations = new long[Stripes];
    private readonly Lock _admission = new();
    private long _allGeneration;

    /// <summary>The revocation generations a question about <paramref name="userId"/> and <paramref name="rootId"/> starts from.</summary>
    public AccessStamp Stamp(Guid userId, Guid rootId)
    {
        var root = StripeOf(rootId);
        var user = StripeOf(userId);
        return new AccessStamp(root, user, Volatile.Read(ref _rootGenerations[root]), Volatile.Read(ref _userGenerations[user]), Volatile.Read(ref _allGeneration));
    }

    /// <summary>
    /// Runs <paramref name="enter"/> (put the connection in the room) only when nothing that
    /// <paramref name="stamp"/> covers was revoked since it was taken; a revocation waits for it, so it
    /// either sees the connection in the room (and takes it out) or makes this refuse.
    /// </summary>
    /// <returns><c>false</c> when something was revoked meanwhile: ask again.</returns>
    public bool TryAdmit(AccessStamp stamp, Action enter)
    {
        lock (_admission)
        {
            if (!Unchanged(stamp))
            {
                return false;
            }

            enter();
            return true;
        }
    }

    /// <summary>
    /// <paramref name="userId"/> left <paramref name="groupId"/> at <paramref name="membershipVersion"/>:
    /// recorded where every instance reads it (throws while that cannot be done: the event is retried),
    /// then the user's cached answers go; documents-api is asked about them only after it has applied the
    /// departure. The other instances, told of it, only <see cref="ForgetUser"/>.
    /// </summary>
    public async Task UserLeftGroupAsync(Guid userId, Guid groupId, long membershipVersion, CancellationToken cancellationToken)
    {
        await departures.LeftAsync(userId, groupId, membershipVersion, cancellationToken);
        ForgetUser(userId);
    }

    /// <summary>
    /// <c>true</c> when <paramref name="userId"/> may read <paramref name="rootId"/>. Throws
    /// <see cref="MembershipNotYetAppliedException"/> while documents-api has not applied a group departure
    /// of the user this instance heard of, and <see cref="RootAccessUnavailableException"/> when it cannot
    /// answer (down, slow, or an answer that is neither yes nor no). A "yes" may be out of date by the
    /// time it returns: act on it through <see cref="TryAdmit"/> with a stamp taken before this call.
    /// </summary>
    public async Task<bool> CanReadAsync(Guid userId, Guid rootId, string accessToken, CancellationToken cancellationToken)
    {
        var stamp = Stamp(userId, rootId);
        var now = clock.GetTimestamp();
        if (_answers.TryGetValue((userId, rootId), out var cached) && cached.ExpiresAt > now)
        {
            return cached.Readable;
        }

        IReadOnlyList<(Guid Group, long Version)> left;
        try
        {
            left = await departures.OfAsync(userId, cancellationToken);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Without them documents-api might answer from before a departure: not asked at all.
            LogUnavailable(userId, rootId, exception.Message);
            throw new RootAccessUnavailableException("Your recent group changes could not be read to check this root; try again.", exception);
        }

        var readable = false;
        for (var turn = 0; turn == 0 || turn * AccessConsistency.MaxAfterMemberships < left.Count; turn++)
        {
            var named = left.Skip(turn * AccessConsistency.MaxAfterMemberships).Take(AccessConsistency.MaxAfterMemberships).ToList();
            if (await AskAsync(userId, rootId, accessToken, named, cancellationToken) is not { } answer)
            {
                return false; // the token no longer proves anything
            }
            readable = answer;
            await ConfirmAsync(userId, named);
        }

        Remember(userId, rootId, readable, now, stamp);
        return readable;
    }

    /// <summary>One question, naming <paramref name="named"/>; <c>null</c> when documents-api refused the token.</summary>
    private async Task<bool?> AskAsync(Guid userId, Guid rootId, string accessToken, IReadOnlyList<(Guid Group, long Version)> named, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(options.Value.DocumentsApiUrl), $"/api/v1/roots/{rootId:D}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        // Only connections held here as non-admins ask: the answer must not count a role documents-api holds and this instance does not.
        request.Headers.Add(AccessConsistency.AsReaderHeader, AccessConsistency.AsReader);
        if (named.Count > 0)
        {
            request.Headers.Add(AccessConsistency.AfterMembershipHeader,
                string.Join(", ", named.Select(left => AccessConsistency.AfterMembership(left.Group, left.Version))));
        }
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnavailable(userId, rootId, exception.Message);
            throw new RootAccessUnavailableException("documents-api could not be asked whether you may read this root; try again.", exception);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && named.Count > 0 && await IsNotYetAppliedAsync(response, timeout.Token))
            {
                LogNotYetApplied(userId, rootId, named.Count);
                throw new MembershipNotYetAppliedException(
                    "Your group memberships changed moments ago and documents-api has not caught up yet; try again shortly.");
            }

            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    return true;
                case HttpStatusCode.NotFound or HttpStatusCode.Forbidden:
                    return false;
                case HttpStatusCode.Unauthorized:
                    // The connection's token has expired since it connected: it no longer proves anything.
                    LogTokenRefused(userId, rootId);
                    return null;
                case HttpStatusCode.TooManyRequests:
                    LogUnexpected(userId, rootId, (int)response.StatusCode);
                    throw new RootAccessThrottledException(
                        "documents-api is taking no more questions about you for a moment; try again shortly.", response.Headers.RetryAfter);
                default:
                    LogUnexpected(userId, rootId, (int)response.StatusCode);
                    throw new RootAccessUnavailableException($"documents-api answered {(int)response.StatusCode} when asked whether you may read this root; try again.");
            }
        }
    }

    /// <summary>documents-api answered a question naming <paramref name="named"/>; failing to record it only costs the same question again.</summary>
    private async Task ConfirmAsync(Guid userId, IReadOnlyList<(Guid Group, long Version)> named)
    {
        try
        {
            await departures.ConfirmedAsync(userId, named, CancellationToken.None);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogConfirmFailed(userId, named.Count, exception.Message);
        }
    }

    private static async Task<bool> IsNotYetAppliedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var problem = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            return problem.RootElement.ValueKind == JsonValueKind.Object
                && problem.RootElement.TryGetProperty("type", out var type)
                && type.ValueKind == JsonValueKind.String
                && type.GetString() == ProblemTypes.MembershipNotYetApplied;
        }
        catch (Exception exception) when (exception is JsonException or IOException or HttpRequestException or OperationCanceledException)
        {
            return false; // then a 503 like any other: documents-api cannot answer now
        }
    }

    private bool Unchanged(AccessStamp stamp) =>
        Volatile.Read(ref _rootGenerations[stamp.RootStripe]) == stamp.RootGeneration
        && Volatile.Read(ref _userGenerations[stamp.UserStripe]) == stamp.UserGeneration
        && Volatile.Read(ref _allGeneration) == stamp.AllGeneration;

    /// <summary>Bumps a generation where <see cref="TryAdmit"/> cannot be halfway through.</summary>
    private void Revoke(ref long generation)
    {
        lock (_admission)
        {
            Interlocked.Increment(ref generation);
        }
    }

    private static int StripeOf(Guid id) => (id.GetHashCode() & int.MaxValue) % Stripes;

    private void Remember(Guid userId, Guid rootId, bool readable, long now, AccessStamp stamp)
    {
        if (!readable || !Unchanged(stamp))
        {
            return; // revoked while the question was out: the answer may be stale
        }

        if (_answers.Count >= MaxAnswers)
        {
            foreach (var (key, answer) in _answers)
            {
                if (answer.ExpiresAt <= now)
                {
                    _answers.TryRemove(key, out _);
                }
            }
            if (_answers.Count >= MaxAnswers)
            {
                _answers.Clear();
            }
        }
        var remembered = (readable, now + (long)(options.Value.CacheDuration.TotalSeconds * clock.TimestampFrequency));
        _answers[(userId, rootId)] = remembered;
        // A revocation bumps its generation before it drops answers: either it dropped this one, or it shows here.
        if (!Unchanged(stamp))
        {
            _answers.TryRemove(new KeyValuePair<(Guid, Guid), (bool, long)>((userId, rootId), remembered));
        }
    }

    /// <summary>Forgets every cached answer about <paramref name="rootId"/>.</summary>
    public void ForgetRoot(Guid rootId)
    {
        Revoke(ref _rootGenerations[StripeOf(rootId)]);
        foreach (var key in _answers.Keys)
        {
            if (key.Root == rootId)
            {
                _answers.TryRemove(key, out _);
            }
        }
    }

    /// <summary>
    /// Forgets every cached answer, and returns how many there were: after this instance may have missed
    /// the changes that would have dropped some of them.
    /// </summary>
    public int ForgetAll()
    {
        Revoke(ref _allGeneration);
        var count = _answers.Count;
        _answers.Clear();
        return count;
    }

    /// <summary>Forgets every cached answer about <paramref name="userId"/>.</summary>
    public void ForgetUser(Guid userId)
    {
        Revoke(ref _userGenerations[StripeOf(userId)]);
        foreach (var key in _answers.Keys)
        {
            if (key.User == userId)
            {
                _answers.TryRemove(key, out _);
            }
        }
    }

    [LoggerMessage(EventId = GatewayLogEvents.ReadAccessUnavailable, Level = LogLevel.Warning, Message = "Could not ask documents-api whether user {UserId} may read root {RootId}: {Reason}")]
    private partial void LogUnavailable(Guid userId, Guid rootId, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.ReadAccessTokenRefused, Level = LogLevel.Information, Message = "documents-api refused the token of user {UserId} (expired?) when asked about root {RootId}: treated as not readable")]
    private partial void LogTokenRefused(Guid userId, Guid rootId);

    [LoggerMessage(EventId = GatewayLogEvents.ReadAccessNotYetApplied, Level = LogLevel.Debug, Message = "documents-api has not yet applied the {Departures} group departures of user {UserId} named when asked about root {RootId}")]
    private partial void LogNotYetApplied(Guid userId, Guid rootId, int departures);

    [LoggerMessage(EventId = GatewayLogEvents.ReadAccessConfirmFailed, Level = LogLevel.Warning,
        Message = "Could not record that documents-api applied {Departures} group departures of user {UserId} (asked about them again next time): {Reason}")]
    private partial void LogConfirmFailed(Guid userId, int departures, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.ReadAccessUnexpected, Level = LogLevel.Warning, Message = "documents-api answered {Status} when asked whether user {UserId} may read root {RootId}")]
    private partial void LogUnexpected(Guid userId, Guid rootId, int status);
}

/// <summary>documents-api could not say whether a user may read a root.</summary>
public class RootAccessUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>documents-api is limiting questions about the user (429): ask again after <see cref="RetryAfter"/>.</summary>
public sealed class RootAccessThrottledException(string message, RetryConditionHeaderValue? retryAfter) : RootAccessUnavailableException(message)
{
    public RetryConditionHeaderValue? RetryAfter { get; } = retryAfter;
}

/// <summary>documents-api has not yet applied a group departure of the user that this instance heard of: ask again shortly.</summary>
public sealed class MembershipNotYetAppliedException(string message) : RootAccessUnavailableException(message);

/// <summary>The revocation generations a question started from (<see cref="RootReadAccess.Stamp"/>).</summary>
public readonly record struct AccessStamp(int RootStripe, int UserStripe, long RootGeneration, long UserGeneration, long AllGeneration);
