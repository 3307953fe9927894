using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Roomcast.ServiceDefaults.Logging;

internal static class LoggingSetup
{
    /// <summary>
    /// One line per entry with a timestamp, so interleaved logs of several services stay readable;
    /// <c>Logging__Console__FormatterName=json</c> switches to structured JSON for production, whose
    /// entries carry the current trace's <c>TraceId</c> and <c>SpanId</c> in their scopes, so a log line
    /// leads to its trace.
    /// </summary>
    public static void AddRoomcastLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        // AddConsole, not AddSimpleConsole: that one fixes the formatter in code, after the configuration
        // is read, so the setting above had no effect. With none set, the console uses the simple one.
        builder.Logging.AddConsole();
        builder.Services.Configure<SimpleConsoleFormatterOptions>(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.UseUtcTimestamp = true;
        });
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Services.Configure<JsonConsoleFormatterOptions>(options => options.IncludeScopes = true);
    }
}
