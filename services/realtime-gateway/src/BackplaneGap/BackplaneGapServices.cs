using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway.BackplaneGap;

internal static class BackplaneGapServices
{
    /// <summary>Makes the clients of an instance resume after its Redis subscription was away (with the backplane only).</summary>
    public static void AddBackplaneGapRecovery(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<BackplaneGapOptions>(BackplaneGapOptions.Section);
        builder.Services.AddHostedService<BackplaneGapRecovery>();
    }
}
