using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// Whether a user may read a root, as documents-api answers it to that user's own token
/// (<c>GET /api/v1/roots/{id}</c>: 200 readable, 404 not — documents-api never says a root exists to
/// someone who cannot read it). Answers are cached for <see cref="RoomAccessOptions.CacheDuration"/>
/// and dropped at once when the root's grants change or the user leaves a group, and all of them when
/// this instance may have missed such a change (a backplane gap).
/// </summary>
public sealed partial class RootReadAccess(IHttpClientFactory clients, IOptions<RoomAccessOptions> options, TimeProvider clock, ILogger<RootReadAccess> logger)
{
    /// <summary>Above this many cached answers, expired ones are swept (and all of them if none had expired).</summary>
    private const int MaxAnswers = 10_000;

    public const string HttpClientName = "documents-api";

    private readonly ConcurrentDictionary<(Guid User, Guid Root), (bool Readable, long ExpiresAt)> _answers = new();

    /// <summary>
    /// <c>true</c> when <paramref name="userId"/> may read <paramref name="rootId"/>. Throws
    /// <see cref="RootAccessUnavailableException"/> when documents-api cannot answer (down, slow, or
    /// an answer that is neither yes nor no).
    /// </summary>
    public async Task<bool> CanReadAsync(Guid userId, Guid rootId, string accessToken, CancellationToken cancellationToken)
    {
        var now = clock.GetTimestamp();
        if (_answers.TryGetValue((userId, rootId), out var cached) && cached.ExpiresAt > now)
        {
            return cached.Readable;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(options.Value.DocumentsApiUrl), $"/api/v1/roots/{rootId:D}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
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
            bool readable;
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    readable = true;
                    break;
                case HttpStatusCode.NotFound or HttpStatusCode.Forbidden:
                    readable = false;
                    break;
                case HttpStatusCode.Unauthorized:
                    // The connection's token has expired since it connected: it no longer proves anything.
                    LogTokenRefused(userId, rootId);
                    readable = false;
                    break;
                default:
                    LogUnexpected(userId, rootId, (int)response.StatusCode);
                    throw new RootAccessUnavailableException($"documents-api answered {(int)response.StatusCode} when asked whether you may read this root; try again.");
            }

            Remember(userId, rootId, readable, now);
            return readable;
        }
    }

    private void Remember(Guid userId, Guid rootId, bool readable, long now)
    {
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
        _answers[(userId, rootId)] = (readable, now + (long)(options.Value.CacheDuration.TotalSeconds * clock.TimestampFrequency));
    }

    /// <summary>Forgets every cached answer about <paramref name="rootId"/>.</summary>
    public void ForgetRoot(Guid rootId)
    {
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
        var count = _answers.Count;
        _answers.Clear();
        return count;
    }

    /// <summary>Forgets every cached answer about <paramref name="userId"/>.</summary>
    public void ForgetUser(Guid userId)
    {
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

    [LoggerMessage(EventId = GatewayLogEvents.ReadAccessUnexpected, Level = LogLevel.Warning, Message = "documents-api answered {Status} when asked whether user {UserId} may read root {RootId}")]
    private partial void LogUnexpected(Guid userId, Guid rootId, int status);
}

/// <summary>documents-api could not say whether a user may read a root.</summary>
public sealed class RootAccessUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
