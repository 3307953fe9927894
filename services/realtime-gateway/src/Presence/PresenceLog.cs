namespace Roomcast.RealtimeGateway.Presence;

/// <summary>Everything room counts and presence log, with stable event ids (6xx).</summary>
internal static partial class PresenceLog
{
    [LoggerMessage(EventId = GatewayLogEvents.PresenceStarted, Level = LogLevel.Information, Message = "Room counts and presence of instance {Instance} started (update interval {UpdateInterval}, heartbeat {HeartbeatInterval}, instance timeout {InstanceTimeout}, shared room kinds {RoomKinds}, across instances: {AcrossInstances})")]
    public static partial void Started(this ILogger logger, string instance, TimeSpan updateInterval, TimeSpan heartbeatInterval, TimeSpan instanceTimeout, string roomKinds, bool acrossInstances);

    [LoggerMessage(EventId = GatewayLogEvents.PresenceInstanceExpired, Level = LogLevel.Warning, Message = "Instance {Instance} was not heard from for {Timeout}: its connections leave the counts and its users go offline")]
    public static partial void InstanceExpired(this ILogger logger, string instance, TimeSpan timeout);

    [LoggerMessage(EventId = GatewayLogEvents.PresenceInstanceJoined, Level = LogLevel.Information, Message = "Instance {Instance} joined the census")]
    public static partial void InstanceJoined(this ILogger logger, string instance);

    [LoggerMessage(EventId = GatewayLogEvents.PresenceInstanceGone, Level = LogLevel.Information, Message = "Instance {Instance} said it is stopping; its connections leave the counts")]
    public static partial void InstanceGone(this ILogger logger, string instance);

    [LoggerMessage(EventId = GatewayLogEvents.PresenceStateMissing, Level = LogLevel.Debug, Message = "Report {Kind} of instance {Instance} at version {Version} does not fit what is known of it; asking every instance for its state")]
    public static partial void StateMissing(this ILogger logger, CensusReportKind kind, string instance, long version);

    [LoggerMessage(EventId = GatewayLogEvents.PresencePublishFailed, Level = LogLevel.Warning, Message = "Publishing the census report {Kind} failed ({Reason}); the others catch up from the next heartbeat")]
    public static partial void PublishFailed(this ILogger logger, CensusReportKind kind, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.PresenceRoundFailed, Level = LogLevel.Error, Message = "A census round failed; the next one starts from the state the census has")]
    public static partial void RoundFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = GatewayLogEvents.PresenceReportUnreadable, Level = LogLevel.Error, Message = "A census report on {Channel} could not be read")]
    public static partial void ReportUnreadable(this ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = GatewayLogEvents.PresenceRound, Level = LogLevel.Debug, Message = "Census round: {Rooms} room counts changed, {Transitions} presence transitions, {FullLists} full lists sent")]
    public static partial void Round(this ILogger logger, int rooms, int transitions, int fullLists);

    [LoggerMessage(EventId = GatewayLogEvents.PresenceSendFailed, Level = LogLevel.Warning, Message = "Sending {ClientEvent} to {Connections} local connections failed")]
    public static partial void SendFailed(this ILogger logger, string clientEvent, int connections, Exception exception);
}
