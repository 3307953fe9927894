using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Roomcast.ServiceDefaults.Logging;

namespace Roomcast.ServiceDefaults.Problems;

/// <summary>
/// Answers a request the framework could not bind (a malformed id or query value, an unreadable or
/// oversized body) with problem details of a stable type, logged as the client's mistake it is.
/// A value that does not parse is an invalid value (422); a body that cannot be read keeps its own
/// status (400 malformed, 413 too large, 415 not JSON).
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails, ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
{
    private const string ValueBindingFailure = "Failed to bind parameter";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var status = badRequest.Message.StartsWith(ValueBindingFailure, StringComparison.Ordinal)
            ? StatusCodes.Status422UnprocessableEntity
            : badRequest.StatusCode;
        LogRefused(httpContext.Request.Method, httpContext.Request.Path, status, badRequest.Message);
        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails { Status = status, Type = ProblemTypes.ForStatus(status), Detail = badRequest.Message },
        });
    }

    [LoggerMessage(EventId = SharedLogEvents.BadRequestRefused, Level = LogLevel.Information, Message = "Refused {Method} {Path} with {Status}: {Reason}")]
    private partial void LogRefused(string method, string path, int status, string reason);
}
