using MassTransit;
using MassTransit.RabbitMqTransport;
using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Backplane;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// This instance's turn on the shared event queue (RabbitMQ single active consumer). When Redis is away
/// from this instance, no event can get its seq here, while another instance may reach Redis fine: this
/// instance gives up its turn, so RabbitMQ hands the queue to the next instance, and takes it again once
/// Redis has answered it for <see cref="ConsumerTurnOptions.RejoinAfter"/>. If no instance reaches
/// Redis, the events wait on the bus.
/// </summary>
/// <remarks>
/// Giving up closes the endpoint's channel before anything else: RabbitMQ then puts every delivery this
/// instance has not acknowledged back in the queue, in its place, and activates the next consumer in the
/// same step. Stopping the endpoint first would cancel the consumer while those deliveries are still out,
/// and the next consumer would start past them, out of order. The line of the channel is abandoned
/// first (<see cref="DeliveryOrder.Abandon"/>), so no delivery behind the failed one takes another step;
/// one that already has its seq keeps it when it comes again (the history knows its event id). Then the
/// endpoint is stopped (<see cref="IReceiveEndpoint.Stop"/>), so MassTransit does not consume again on a
/// new channel, and started again (<see cref="IReceiveEndpoint.Start"/>) to rejoin — the mechanism of
/// MassTransit's own kill switch, which gets the endpoint the same way, from <see cref="Ready"/>.
/// The stop is never cancelled (MassTransit leaves an endpoint whose stop was cancelled in a state it
/// cannot start from): the rejoin waits for it, and a stop that has not completed after
/// <see cref="ConsumerTurnOptions.StopDeadline"/> makes the instance report itself not live, since only a
/// restart gets it consuming again (<see cref="ConsumerTurnLivenessCheck"/>).
/// </remarks>
public sealed partial class ConsumerTurn(
    BackplaneRedis redis,
    DeliveryOrder order,
    DeliveryMetrics metrics,
    IOptions<ConsumerTurnOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ConsumerTurn> logger) : IReceiveEndpointObserver
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(2);

    /// <summary>How long the stop may take before the instance says so (log 208) and stands by anyway.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);
    private IReceiveEndpoint? _endpoint;
    private (RabbitMQ.Client.IChannel Channel, string Line)? _lastChannel;
    private int _handedOff;
    private int _givenUp;
    private long _stopStartedTicks;
    private int _rejoinFailed;

    /// <summary>The endpoint could not be started again: this instance takes no turn until restarted.</summary>
    public bool RejoinFailed => Volatile.Read(ref _rejoinFailed) == 1;

    /// <summary>
    /// Since when this instance has waited for its endpoint to stop after giving up its turn, or null when
    /// no stop is outstanding. Deliveries in flight on the closed channel hold the stop up; one that never
    /// completes holds it up for good.
    /// </summary>
    public DateTimeOffset? StopOutstandingSince => Interlocked.Read(ref _stopStartedTicks) is > 0 and var ticks
        ? new DateTimeOffset(ticks, TimeSpan.Zero)
        : null;

    /// <summary>A failure that says nothing about the message: Redis is away, or this instance gave up its turn while the delivery waited.</summary>
    public static bool IsNotTheMessagesFault(Exception exception) => RedisOutage.Is(exception) || exception is TurnGivenUpException;

    /// <summary>Gives up this instance's turn because of <paramref name="failure"/> of the delivery in <paramref name="context"/>; the channel closes in the background.</summary>
    public void GiveUp(ReceiveContext context, Exception failure)
    {
        if (DeliveryOrder.LineOf(context) is { } place)
        {
            order.Abandon(place.Name);
        }
        // Not awaited here: closing a channel waits for its deliveries in flight, this one among them.
        var closing = context.TryGetPayload<ChannelContext>(out var channel) && channel.Channel.IsOpen
            ? Task.Run(() => CloseAsync(channel.Channel))
            : Task.CompletedTask;
        if (Interlocked.Exchange(ref _givenUp, 1) == 1)
        {
            return;
        }
        metrics.TurnGivenUp();
        LogGivenUp(context.InputAddress, failure.GetType().Name, failure.Message);
        _ = Task.Run(() => StandByUntilRedisAnswersAsync(closing));
    }

    /// <summary>Remembers the channel <paramref name="context"/> came on: the one <see cref="HandOffAsync"/> closes.</summary>
    public void Saw(ReceiveContext context)
    {
        if (context.TryGetPayload<ChannelContext>(out var channel) && DeliveryOrder.LineOf(context) is { } place)
        {
            _lastChannel = (channel.Channel, place.Name);
        }
    }

    /// <summary>
    /// Hands this instance's turn to the next instance for good (the host is stopping): the same steps as
    /// <see cref="GiveUp"/> — the line abandoned, the channel closed first (its unacknowledged deliveries go
    /// back in order and the next consumer becomes active), then the endpoint stopped — with no rejoin.
    /// An instance on standby holds no deliveries: its endpoint is only stopped.
    /// </summary>
    public async Task HandOffAsync()
    {
        Volatile.Write(ref _handedOff, 1);
        // A delivery that fails now (its line abandoned) must not start a standby loop that would rejoin.
        Interlocked.Exchange(ref _givenUp, 1);
        if (_lastChannel is { } last && last.Channel.IsOpen)
        {
            order.Abandon(last.Line);
            await CloseAsync(last.Channel, "This gateway instance is shutting down");
        }
        if (_endpoint is not { } endpoint)
        {
            return;
        }
        var stopped = endpoint.Stop(CancellationToken.None);
        if (await Task.WhenAny(stopped, Task.Delay(StopWait)) != stopped)
        {
            LogStopUnconfirmed(endpoint.InputAddress, StopWait);
        }
        LogHandedOff(endpoint.InputAddress);
    }

    private async Task CloseAsync(RabbitMQ.Client.IChannel channel, string reason = "Redis is away from this instance")
    {
        try
        {
            await CloseWithinAsync(channel, reason, CloseWait);
        }
        catch (Exception exception)
        {
            // Several deliveries fail at once when Redis goes: another one's close may have won the race
            // (the client then throws from its disposed channel), or the answer did not come in time.
            // Stopping the endpoint closes the channel in any case.
            LogCloseUnconfirmed(exception.GetType().Name, exception.Message);
        }
    }

    /// <summary>
    /// Closes <paramref name="channel"/>, waiting at most <paramref name="wait"/> for the client to say it
    /// is closed (<see cref="TimeoutException"/> after it); the close goes on in the background.
    /// </summary>
    /// <remarks>
    /// The broker acts on the close frame (requeues, hands the turn on) whether or not the client sees its
    /// answer. The client's close waits for that answer and then for every delivery in flight on the
    /// channel, and on an open channel it does not give that up when its token is cancelled: a drain that
    /// waited for it could wait as long as the slowest delivery, or forever. So the bound is ours.
    /// </remarks>
    internal static Task CloseWithinAsync(RabbitMQ.Client.IChannel channel, string reason, TimeSpan wait) =>
        channel.CloseAsync(RabbitMQ.Client.Constants.ReplySuccess, reason, abort: true, CancellationToken.None).WaitAsync(wait);

    public Task Ready(ReceiveEndpointReady ready)
    {
        _endpoint = ready.ReceiveEndpoint;
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    private async Task StandByUntilRedisAnswersAsync(Task closing)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            var endpoint = _endpoint ?? throw new InvalidOperationException("The event endpoint failed a delivery before it was ready.");
            // The client may never see its close answered (see CloseAsync): wait a bounded time for it.
            await Task.WhenAny(closing, Task.Delay(CloseWait, stopping));
            Interlocked.Exchange(ref _stopStartedTicks, DateTimeOffset.UtcNow.UtcTicks);
            var stopped = endpoint.Stop(CancellationToken.None);
            if (await Task.WhenAny(stopped, Task.Delay(StopWait, stopping)) != stopped)
            {
                LogStopUnconfirmed(endpoint.InputAddress, StopWait);
            }
            LogStandingBy(endpoint.InputAddress);
            var settings = options.Value;
            var answeringSince = (DateTimeOffset?)null;
            while (answeringSince is null || DateTimeOffset.UtcNow - answeringSince < settings.RejoinAfter)
            {
                await Task.Delay(settings.RedisProbeInterval, stopping);
                answeringSince = await AnswersAsync() ? answeringSince ?? DateTimeOffset.UtcNow : null;
            }
            if (!stopped.IsCompleted)
            {
                LogWaitingForStop(endpoint.InputAddress, settings.StopDeadline);
                await stopped.WaitAsync(stopping);
            }
            Interlocked.Exchange(ref _stopStartedTicks, 0);
            if (Volatile.Read(ref _handedOff) == 1)
            {
                return;
            }
            await endpoint.Start(stopping).Ready.WaitAsync(stopping);
            Interlocked.Exchange(ref _givenUp, 0);
            LogRejoined(endpoint.InputAddress);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            Volatile.Write(ref _rejoinFailed, 1);
            LogRejoinFailed(exception);
        }
    }

    /// <summary>Both of this instance's Redis connections work: the subscriber is connected and a write is taken.</summary>
    private async Task<bool> AnswersAsync()
    {
        if (!redis.IsSubscriberConnected)
        {
            return false;
        }
        try
        {
            await redis.ProbeWriteAsync();
            return true;
        }
        catch (Exception exception) when (RedisOutage.Is(exception))
        {
            return false;
        }
    }

    [LoggerMessage(EventId = GatewayLogEvents.ConsumerTurnGivenUp, Level = LogLevel.Warning,
        Message = "Redis is away from this instance ({ExceptionType}: {Reason}); it gives up consuming {Queue}: its unacknowledged events go back to the queue, in order, for another instance")]
    private partial void LogGivenUp(Uri queue, string exceptionType, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.ConsumerTurnCloseUnconfirmed, Level = LogLevel.Information, Message = "Closing the event channel while giving up the turn was not confirmed: {ExceptionType}: {Reason}")]
    private partial void LogCloseUnconfirmed(string exceptionType, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.ConsumerTurnStopUnconfirmed, Level = LogLevel.Warning,
        Message = "Stopping {Queue} did not complete within {Wait}: deliveries were still in flight on the closed channel (the broker has them back); standing by while it completes")]
    private partial void LogStopUnconfirmed(Uri queue, TimeSpan wait);

    [LoggerMessage(EventId = GatewayLogEvents.ConsumerTurnWaitingForStop, Level = LogLevel.Warning,
        Message = "Redis answers this instance again, but stopping {Queue} has not completed: it consumes again once it has; after {Deadline} without it the instance reports itself not live")]
    private partial void LogWaitingForStop(Uri queue, TimeSpan deadline);

    [LoggerMessage(EventId = GatewayLogEvents.ConsumerTurnHandedOff, Level = LogLevel.Information,
        Message = "This instance is shutting down: it stopped consuming {Queue}; its unacknowledged events went back to the queue, in order, for the next instance")]
    private partial void LogHandedOff(Uri queue);

    [LoggerMessage(EventId = GatewayLogEvents.ConsumerTurnStandingBy, Level = LogLevel.Information, Message = "Stopped consuming {Queue}; asking Redis until it answers")]
    private partial void LogStandingBy(Uri queue);

    [LoggerMessage(EventId = GatewayLogEvents.ConsumerTurnRejoined, Level = LogLevel.Information, Message = "Redis answers this instance again; it consumes {Queue} again (as the active consumer or on standby)")]
    private partial void LogRejoined(Uri queue);

    [LoggerMessage(EventId = GatewayLogEvents.ConsumerTurnRejoinFailed, Level = LogLevel.Error, Message = "This instance could not take its consumer turn again; it consumes no events until it is restarted, and reports itself not live")]
    private partial void LogRejoinFailed(Exception exception);
}
