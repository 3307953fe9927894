using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Rooms;
using StackExchange.Redis;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Presence;

/// <summary>
/// Runs the census, once per <see cref="PresenceOptions.UpdateInterval"/>: flushes this instance's
/// net changes into the <see cref="ClusterCensus"/> and announces them to the other instances on one
/// channel (with a heartbeat, a state on request, and a goodbye on stop); forgets instances not heard
/// from within <see cref="PresenceOptions.InstanceTimeout"/>; then sends its own local connections what
/// the round changed — a <c>full</c> list to connections that entered <c>admin</c>, one coalesced
/// <c>update</c> to the rest of <c>admin</c>, and <c>PRESENCE</c> to those sharing a room with a user
/// who came online or went offline. Every instance does this for its own connections only, from the
/// same census, so nothing about counts or presence crosses Redis but the reports themselves.
/// Without a backplane the census has this instance alone.
/// </summary>
public sealed class PresenceCoordinator : BackgroundService
{
    private readonly LocalRooms _rooms;
    private readonly LocalCensus _local;
    private readonly ClusterCensus _census;
    private readonly Lock _censusGate = new();
    private readonly LocalConnections _connections;
    private readonly PresenceOptions _options;
    private readonly ILogger<PresenceCoordinator> _logger;
    private readonly BackplaneRedis? _redis;
    private readonly string? _channel;

    // Admin connections that were sent their full list: only they get updates, so none sees an update before its full.
    private readonly HashSet<string> _listening = new(StringComparer.Ordinal);
    private long? _lastHeartbeat;
    private int _resync = 1;
    private int _stateRequested;
    private int _stateMissing;

    public PresenceCoordinator(
        LocalRooms rooms,
        LocalCensus local,
        LocalConnections connections,
        IOptions<PresenceOptions> options,
        ILogger<PresenceCoordinator> logger,
        BackplaneRedis? redis = null)
    {
        _rooms = rooms;
        _local = local;
        _census = new ClusterCensus(local.Instance, local.Epoch);
        _connections = connections;
        _options = options.Value;
        _logger = logger;
        _redis = redis;
        _channel = redis?.Channels.Census;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _logger.Started(_local.Instance, _options.UpdateInterval, _options.HeartbeatInterval, _options.InstanceTimeout, _options.RoomKinds, _redis is not null);
        await using var subscriptions = _redis is null ? null : new ChannelSubscriptions(_redis, _logger);
        if (_redis is not null)
        {
            // After Redis comes back, what was published meanwhile is lost: ask for everyone's state again.
            _redis.SubscriberConnected += OnSubscriberConnected;
            await subscriptions!.SubscribeAsync(_channel!, OnReport);
        }

        try
        {
            using var timer = new PeriodicTimer(_options.UpdateInterval);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RoundAsync();
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    _logger.RoundFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: say goodbye below, so the others need not wait for the timeout.
        }
        finally
        {
            if (_redis is not null)
            {
                _redis.SubscriberConnected -= OnSubscriberConnected;
                await PublishAsync(CensusReport.Signal(CensusReportKind.Gone, _local.Instance, _local.Epoch, _local.Version));
            }
        }
    }

    private async Task RoundAsync()
    {
        var now = Environment.TickCount64;
        var flush = _local.Flush();
        IReadOnlyList<string> expired;
        CensusChanges changes;
        IReadOnlyDictionary<string, int>? totals = null;
        lock (_censusGate)
        {
            if (flush.Changes is { } own)
            {
                _census.Apply(own, now);
            }
            expired = _census.Expire(now, _options.InstanceTimeout);
            changes = _census.TakeChanges();
            if (flush.EnteredAdmin.Count > 0)
            {
                totals = _census.Totals();
            }
        }
        foreach (var instance in expired)
        {
            _logger.InstanceExpired(instance, _options.InstanceTimeout);
        }

        if (_redis is not null)
        {
            await AnnounceAsync(flush.Changes, now);
        }

        _listening.ExceptWith(flush.LeftAdmin);
        var fullTo = flush.EnteredAdmin.Distinct(StringComparer.Ordinal).Where(connection => _rooms.RoomsOf(connection).Contains(RoomName.Admin)).ToList();
        if (totals is not null && fullTo.Count > 0)
        {
            Send(fullTo, ClientEvents.ConnectedClients, new ConnectedClientsMessage(ConnectedClientsMessage.Full, totals));
        }
        if (changes.Rooms.Count > 0)
        {
            var updateTo = _rooms.MembersOf(RoomName.Admin).Where(_listening.Contains).ToList();
            Send(updateTo, ClientEvents.ConnectedClients, new ConnectedClientsMessage(ConnectedClientsMessage.Update, changes.Rooms));
        }
        _listening.UnionWith(fullTo);
        foreach (var transition in changes.Presence)
        {
            var others = _rooms.ConnectionsIn(transition.Rooms, except: null).Except(_rooms.ConnectionsOf(transition.UserId), StringComparer.Ordinal).ToList();
            var status = transition.Online ? PresenceMessage.Online : PresenceMessage.Offline;
            Send(others, ClientEvents.Presence, new PresenceMessage(transition.UserId, status));
        }
        if (!changes.IsEmpty || fullTo.Count > 0)
        {
            _logger.Round(changes.Rooms.Count, changes.Presence.Count, fullTo.Count);
        }
    }

    /// <summary>This round's changes, then what the others asked for or need: a state request, this instance's state, a heartbeat.</summary>
    private async Task AnnounceAsync(CensusReport? changes, long now)
    {
        if (changes is not null)
        {
            await PublishAsync(changes);
        }
        var resync = Interlocked.Exchange(ref _resync, 0) == 1;
        if ((resync || Interlocked.Exchange(ref _stateMissing, 0) == 1)
            && !await PublishAsync(CensusReport.Signal(CensusReportKind.StateRequest, _local.Instance, _local.Epoch, _local.Version)))
        {
            Volatile.Write(ref _resync, 1);
        }
        if ((resync || Interlocked.Exchange(ref _stateRequested, 0) == 1) && !await PublishAsync(_local.State()))
        {
            Volatile.Write(ref _stateRequested, 1);
        }
        if (_lastHeartbeat is not { } last || now - last >= _options.HeartbeatInterval.TotalMilliseconds)
        {
            _lastHeartbeat = now;
            await PublishAsync(CensusReport.Signal(CensusReportKind.Heartbeat, _local.Instance, _local.Epoch, _local.Version));
        }
    }

    /// <returns><c>false</c> when Redis did not take it (logged); a lost report is caught up through the version in the next heartbeat.</returns>
    private async Task<bool> PublishAsync(CensusReport report)
    {
        try
        {
            await _redis!.PublishAsync(_channel!, CensusFraming.Write(report));
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            _logger.PublishFailed(report.Kind, exception.Message);
            return false;
        }
    }

    /// <summary>Runs on the subscriber's read loop: applies the report at once (cheap), leaves the sending to the next round.</summary>
    private void OnReport(string channel, ReadOnlyMemory<byte> frame)
    {
        CensusReport report;
        try
        {
            report = CensusFraming.Read(frame);
        }
        catch (Exception exception) when (exception is InvalidDataException or EndOfStreamException or ArgumentException)
        {
            _logger.ReportUnreadable(channel, exception);
            return;
        }
        if (report.Origin == _local.Instance)
        {
            return; // our own, echoed back
        }
        if (report.Kind == CensusReportKind.StateRequest)
        {
            Volatile.Write(ref _stateRequested, 1);
            return;
        }

        CensusApplied applied;
        bool known;
        lock (_censusGate)
        {
            known = _census.Instances.Contains(report.Origin);
            applied = _census.Apply(report, Environment.TickCount64);
        }
        switch (applied)
        {
            case CensusApplied.NeedsState:
                _logger.StateMissing(report.Kind, report.Origin, report.Version);
                Volatile.Write(ref _stateMissing, 1);
                break;
            case CensusApplied.Applied when report.Kind == CensusReportKind.Gone:
                _logger.InstanceGone(report.Origin);
                break;
            case CensusApplied.Applied when !known:
                _logger.InstanceJoined(report.Origin);
                break;
        }
    }

    private void OnSubscriberConnected() => Volatile.Write(ref _resync, 1);

    /// <summary>Through the audience path's outboxes, as Roomcast's events go: local connections only, never through Redis.</summary>
    private void Send(IReadOnlyList<string> connections, string clientEvent, object message)
    {
        if (connections.Count == 0)
        {
            return;
        }
        try
        {
            _connections.Write(connections, new SerializedHubMessage(new InvocationMessage(clientEvent, [message])));
        }
        catch (Exception exception)
        {
            // A message that cannot be written must not stop the census.
            _logger.SendFailed(clientEvent, connections.Count, exception);
        }
    }
}
