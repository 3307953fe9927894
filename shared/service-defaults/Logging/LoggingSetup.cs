using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Roomcast.ServiceDefaults.Logging;

internal static class LoggingSetup
{
    /// <summary>
    /// One line per entry with a timestamp, so interleaved logs of several services stay readable;
    /// <c>Logging__Console__FormatterName=json</c> switches to structured JSON for production.
    /// </summary>
    public static void AddRoomcastLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.UseUtcTimestamp = true;
        });
    }
}
