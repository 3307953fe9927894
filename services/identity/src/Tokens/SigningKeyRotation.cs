using Microsoft.Extensions.Options;

namespace Roomcast.Identity.Tokens;

/// <summary>Rereads and, when due, rotates the signing keys on every instance at a steady interval.</summary>
public sealed partial class SigningKeyRotation(SigningKeyStore keys, IOptions<IdentityOptions> options, ILogger<SigningKeyRotation> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SigningKeyReloadInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await keys.RefreshAsync(force: false, stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The keys in memory keep signing and validating; the next tick tries again.
                LogRefreshFailed(exception);
            }
        }
    }

    [LoggerMessage(EventId = IdentityLogEvents.SigningKeysRefreshFailed, Level = LogLevel.Warning, Message = "Could not refresh the signing keys; keeping the ones loaded")]
    private partial void LogRefreshFailed(Exception exception);
}
