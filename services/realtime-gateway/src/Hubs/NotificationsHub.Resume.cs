using Microsoft.AspNetCore.SignalR;
using Roomcast.Contracts.Client;
using Roomcast.RealtimeGateway.History;
using Roomcast.RealtimeGateway.Rooms;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Hubs;

public sealed partial class NotificationsHub
{
    /// <summary>
    /// The events the connection's current rooms missed after the position <paramref name="lastSeq"/> in
    /// <paramref name="epoch"/> (the seq and epoch of the last event the client received, or the
    /// <see cref="ResumeResult.HeadSeq"/> and <see cref="ResumeResult.Epoch"/> of its previous resume), each
    /// once in seq order, or that it must reload. Only events its user could read when they happened: a room
    /// counts from when the user gained it (<see cref="ResumeRules.HeldSince"/>). Events arriving live meanwhile may also be in the answer: the
    /// client drops what it has by <c>eventId</c>.
    /// </summary>
    [HubMethodName(ClientMethods.Resume)]
    public async Task<ResumeResult> Resume(long lastSeq, string epoch, EventResume resume, LocalRooms localRooms, ResumeMetrics metrics)
    {
        if (lastSeq < 0 || string.IsNullOrEmpty(epoch))
        {
            throw new HubException("Resume needs a position: lastSeq ≥ 0 and its epoch, from the last event received or the headSeq and epoch of the last resume.");
        }
        var joined = localRooms.RoomsOf(Context.ConnectionId);
        if (joined.Count == 0 || !localRooms.TryGetOwner(Context.ConnectionId, out var userId, out _))
        {
            throw new HubException("This connection is in no room yet; call Resume once connected.");
        }
        try
        {
            var answer = await resume.ResumeAsync(lastSeq, epoch, userId, joined, Context.ConnectionAborted);
            metrics.Answered(answer);
            return answer;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            metrics.Unavailable();
            LogResumeUnavailable(Context.ConnectionId, lastSeq, exception.Message);
            throw new HubException("The recent-event history cannot be reached right now: call Resume again shortly, or reload.");
        }
    }

    [LoggerMessage(EventId = GatewayLogEvents.HubResumeUnavailable, Level = LogLevel.Warning, Message = "Resume of connection {ConnectionId} after seq {LastSeq} failed: the history is unreachable ({Reason})")]
    private partial void LogResumeUnavailable(string connectionId, long lastSeq, string reason);
}
