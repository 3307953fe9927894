using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.DocumentsApi.Http;

/// <summary>
/// Bounds the API requests in progress: beyond <see cref="DocumentsOptions.MaxConcurrentRequests"/>
/// they wait in a bounded queue, and beyond that they get 503 problem details at once. Under overload
/// a client learns it straight away instead of waiting seconds, and the outbox relay is not starved of
/// threads and connections by requests that could not be served anyway.
/// </summary>
public static partial class RequestLimits
{
    public const string Policy = "documents-api";

    public static void AddRequestLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            limiter.AddPolicy(Policy, context =>
            {
                var settings = context.RequestServices.GetRequiredService<IOptions<DocumentsOptions>>().Value;
                return RateLimitPartition.GetConcurrencyLimiter(Policy, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = settings.MaxConcurrentRequests,
                    QueueLimit = settings.RequestQueueLimit,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
            limiter.OnRejected = async (context, _) =>
            {
                var http = context.HttpContext;
                LogOverloaded(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestLimits)), http.Request.Method, http.Request.Path);
                http.Response.Headers.RetryAfter = "1";
                await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: ProblemTypes.Overloaded,
                    detail: "The service is at capacity; try again shortly.").ExecuteAsync(http);
            };
        });
    }

    // Debug, not Warning: under overload a line per refused request would spend the CPU that is short.
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Refused {Method} {Path} with 503: every request slot and queue place is taken")]
    private static partial void LogOverloaded(ILogger logger, string method, string path);
}
