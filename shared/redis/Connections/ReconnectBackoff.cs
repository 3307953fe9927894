namespace Roomcast.Redis.Connections;

/// <summary>
/// Exponential backoff with jitter: attempt n waits min·2ⁿ⁻¹, capped at max, shortened by a random
/// share of up to <c>jitter</c>, so many clients that lost the same server do not return in step.
/// </summary>
internal sealed class ReconnectBackoff(TimeSpan min, TimeSpan max, double jitter)
{
    public TimeSpan DelayBefore(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds(ceiling * (1 - jitter * Random.Shared.NextDouble()));
    }
}
