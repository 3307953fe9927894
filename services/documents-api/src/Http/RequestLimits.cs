using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.DocumentsApi.Http;

/// <summary>
/// What one signed-in user, and all of them together, may ask of the API (README, "Limits"), checked in
/// this order once the token is validated (the limits are the user's) and before the endpoint runs: the
/// user's writes and request-body bytes per window, the user's requests in progress (beyond them a
/// request waits in the user's own queue, holding nothing of the service, so one caller cannot fill the
/// service's slots), then the service's requests in progress and its queue. A user over a limit of
/// theirs gets 429 with Retry-After; when the service is full, every caller gets 503 at once rather than
/// waiting seconds, and the outbox relay is not starved of threads and connections by requests that
/// could not be served anyway.
/// </summary>
public static partial class RequestLimits
{
    public const string WriteRequests = "write-requests";
    public const string WriteBytes = "write-bytes";
    public const string UserRequests = "user-requests";
    public const string ServiceRequests = "service-requests";

    public static void AddRequestLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<DocumentsOptions>, TimeProvider>((limiter, documents, clock) =>
        {
            var settings = documents.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                NamedLimit.Quota(WriteRequests, PartitionedRateLimiter.Create<HttpContext, Guid>(request => IsWrite(request) && request.User.UserId() is { } user
                    ? RateLimitPartition.GetFixedWindowLimiter(user, _ => new FixedWindowRateLimiterOptions { PermitLimit = settings.WriteRateLimit, Window = settings.WriteRateWindow, QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter(Guid.Empty))),
                NamedLimit.Quota(WriteBytes, new WriteBytesQuota(settings.WriteBytesLimit, settings.WriteRateWindow, clock)),
                NamedLimit.Slots(UserRequests, PartitionedRateLimiter.Create<HttpContext, Guid>(request => request.User.UserId() is { } user
                    ? RateLimitPartition.GetConcurrencyLimiter(user, _ => Slots(settings.MaxConcurrentRequestsPerUser, settings.UserRequestQueueLimit))
                    : RateLimitPartition.GetNoLimiter(Guid.Empty))),
                NamedLimit.Slots(ServiceRequests, PartitionedRateLimiter.Create<HttpContext, bool>(request => request.User.UserId() is not null
                    ? RateLimitPartition.GetConcurrencyLimiter(true, _ => Slots(settings.MaxConcurrentRequests, settings.RequestQueueLimit))
                    : RateLimitPartition.GetNoLimiter(false))));
            limiter.OnRejected = RefuseAsync;
        });
    }

    private static ConcurrencyLimiterOptions Slots(int permits, int queue) =>
        new() { PermitLimit = permits, QueueLimit = queue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst };

    /// <summary>POST, PUT, PATCH, DELETE: what the write quotas count.</summary>
    internal static bool IsWrite(HttpContext request) =>
        !(HttpMethods.IsGet(request.Request.Method) || HttpMethods.IsHead(request.Request.Method) || HttpMethods.IsOptions(request.Request.Method));

    private static async ValueTask RefuseAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestLimits));
        var limit = context.Lease.TryGetMetadata(NamedLimit.Refusal, out var refusedBy) ? refusedBy : ServiceRequests;
        if (limit == ServiceRequests)
        {
            LogOverloaded(logger, http.Request.Method, http.Request.Path);
            http.Response.Headers.RetryAfter = "1";
            await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: ProblemTypes.Overloaded,
                detail: "The service is at capacity; try again shortly.").ExecuteAsync(http);
            return;
        }

        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        LogUserLimited(logger, http.Request.Method, http.Request.Path, limit!, seconds);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: ProblemTypes.TooManyRequests,
            detail: limit switch
            {
                WriteRequests => "You have made too many changes in a short time; try again after Retry-After seconds.",
                WriteBytes => "You have sent too much data in a short time; try again after Retry-After seconds.",
                _ => "You have too many requests in progress; wait for their answers before sending more.",
            }).ExecuteAsync(http);
    }

    // Debug, not Warning: under overload a line per refused request would spend the CPU that is short.
    [LoggerMessage(EventId = DocumentsLogEvents.RequestRefusedOverloaded, Level = LogLevel.Debug, Message = "Refused {Method} {Path} with 503: every request slot and queue place is taken")]
    private static partial void LogOverloaded(ILogger logger, string method, string path);

    [LoggerMessage(EventId = DocumentsLogEvents.RequestRefusedUserLimit, Level = LogLevel.Debug, Message = "Refused {Method} {Path} with 429: the caller's {Limit} limit is reached; retry after {Seconds} s")]
    private static partial void LogUserLimited(ILogger logger, string method, string path, string limit, int seconds);
}
