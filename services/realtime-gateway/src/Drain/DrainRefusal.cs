using Roomcast.Contracts.Client;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.RealtimeGateway.Drain;

/// <summary>
/// While the instance drains, a negotiation or a connect on the hub path is refused at once with 503 and
/// a problem (<see cref="ProblemTypes.ShuttingDown"/>, detail <see cref="CloseReasons.ServerShuttingDown"/>),
/// before authentication, so the client tries again and the load balancer sends it elsewhere.
/// Connections already open are not requests that reach this: the drain closes them.
/// </summary>
internal static partial class DrainRefusal
{
    public static void UseDrainRefusal(this WebApplication app)
    {
        var drain = app.Services.GetRequiredService<GatewayDrain>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DrainRefusal));
        app.Use(async (context, next) =>
        {
            if (!drain.IsDraining || !context.Request.Path.StartsWithSegments(ClientMethods.HubPath))
            {
                await next(context);
                return;
            }
            LogRefused(logger, context.Request.Path);
            await Results.Problem(
                type: ProblemTypes.ShuttingDown,
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "This gateway instance is shutting down",
                detail: CloseReasons.ServerShuttingDown).ExecuteAsync(context);
        });
    }

    [LoggerMessage(EventId = GatewayLogEvents.DrainRefused, Level = LogLevel.Debug, Message = "Refused {Path}: this instance is shutting down")]
    private static partial void LogRefused(ILogger logger, string path);
}
