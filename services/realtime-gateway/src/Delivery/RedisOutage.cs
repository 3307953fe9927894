using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// The one place that decides whether a failure means Redis is away from this instance (unreachable,
/// not answering in time, or not serving yet) rather than something wrong with the message. Such a
/// failure never sends an event to the error queue: the instance gives up its consumer turn instead
/// (<see cref="ConsumerTurn"/>).
/// </summary>
public static class RedisOutage
{
    // Replies of a Redis that is there but cannot serve writes yet: loading its dump, a replica, a
    // primary without enough replicas, a busy script, full at its maxmemory under noeviction (the
    // policy the shipped configurations set). A script error or a wrong type is not among them.
    private static readonly string[] NotServingYet = ["LOADING", "READONLY", "MASTERDOWN", "BUSY", "TRYAGAIN", "NOREPLICAS", "OOM"];

    public static bool Is(Exception exception) => exception switch
    {
        RedisConnectionException or TimeoutException => true,
        RedisServerException server => NotServingYet.Any(prefix => server.Message.StartsWith(prefix, StringComparison.Ordinal)),
        _ => false,
    };
}
