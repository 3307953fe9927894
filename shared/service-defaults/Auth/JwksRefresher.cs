using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Logging;

namespace Roomcast.ServiceDefaults.Auth;

/// <summary>
/// Fetches identity's JWKS every <see cref="JwtValidationOptions.KeyRefreshInterval"/>, ahead of
/// need. The JWT handler's own refresh is at least five minutes apart and only reacts to an unknown
/// key by refusing that token; refreshing on our schedule means a prepublished key is already held
/// when its first token arrives.
/// </summary>
internal sealed partial class JwksRefresher(
    IOptionsMonitor<JwtBearerOptions> bearerOptions, IOptions<JwtValidationOptions> options, ILogger<JwksRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.KeyRefreshInterval);
        do
        {
            var configuration = bearerOptions.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager;
            if (configuration is null)
            {
                continue;
            }

            try
            {
                configuration.RequestRefresh();
                await configuration.GetConfigurationAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The keys already held keep validating; the next tick tries again.
                LogRefreshFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = SharedLogEvents.SigningKeysFetchFailed, Level = LogLevel.Warning, Message = "Could not fetch identity's signing keys; keeping the ones held")]
    private partial void LogRefreshFailed(Exception exception);
}
