using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Roomcast.RealtimeGateway.Hubs;

/// <summary>
/// A token bucket per connection over its client calls (<c>JOIN_ROOM</c>, <c>LEAVE_ROOM</c>,
/// <c>Resume</c>, ...): a call over the limit is refused with a hub error and never runs. A bucket is
/// made at a connection's first call, so idle connections cost nothing here.
/// </summary>
public sealed partial class CallRateLimit(IOptions<HubLimitsOptions> options, TimeProvider clock, ILogger<CallRateLimit> logger) : IHubFilter
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var connectionId = invocationContext.Context.ConnectionId;
        var limits = options.Value;
        var bucket = _buckets.GetOrAdd(connectionId, _ => new Bucket(limits.CallBurst, clock.GetTimestamp()));
        if (!bucket.TryTake(limits, clock))
        {
            var method = invocationContext.HubMethod.GetCustomAttribute<HubMethodNameAttribute>()?.Name ?? invocationContext.HubMethodName;
            LogRefused(connectionId, method);
            throw new HubException($"Too many calls: at most {limits.CallsPerSecond:0.##} per second (bursts of {limits.CallBurst}); {method} was not run.");
        }
        return next(invocationContext);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _buckets.TryRemove(context.Context.ConnectionId, out _);
        return next(context, exception);
    }

    [LoggerMessage(EventId = GatewayLogEvents.CallRateRefused, Level = LogLevel.Warning, Message = "Connection {ConnectionId} called {Method} over its rate limit: refused")]
    private partial void LogRefused(string connectionId, string method);

    private sealed class Bucket(double tokens, long stamp)
    {
        private double _tokens = tokens;
        private long _stamp = stamp;

        public bool TryTake(HubLimitsOptions limits, TimeProvider clock)
        {
            lock (this)
            {
                var now = clock.GetTimestamp();
                _tokens = Math.Min(limits.CallBurst, _tokens + (clock.GetElapsedTime(_stamp, now).TotalSeconds * limits.CallsPerSecond));
                _stamp = now;
                if (_tokens < 1)
                {
                    return false;
                }
                _tokens -= 1;
                return true;
            }
        }
    }
}
