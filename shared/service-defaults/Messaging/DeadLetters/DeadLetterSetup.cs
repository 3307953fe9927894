using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Roomcast.ServiceDefaults.Messaging.DeadLetters;

/// <summary>A queue this service consumes from, whose error queue its dead-letter endpoints manage.</summary>
public sealed record ConsumerQueue(string Name)
{
    /// <summary>Where MassTransit moves a message that failed after its retries.</summary>
    public string ErrorQueue => $"{Name}_error";
}

public static class DeadLetterSetup
{
    /// <summary>Lets the dead-letter endpoints manage the error queue of <paramref name="queue"/> (call once per consumer queue).</summary>
    public static IServiceCollection AddDeadLetterQueue(this IServiceCollection services, Func<IServiceProvider, string> queue)
    {
        services.AddSingleton(provider => new ConsumerQueue(queue(provider)));
        services.TryAddSingleton<DeadLetterBroker>();
        return services;
    }

    public static IServiceCollection AddDeadLetterQueue(this IServiceCollection services, string queue) =>
        services.AddDeadLetterQueue(_ => queue);
}
