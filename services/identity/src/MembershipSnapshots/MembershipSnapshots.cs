using MassTransit;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Events.Identity;

namespace Roomcast.Identity.MembershipSnapshots;

/// <summary>
/// Publishes a snapshot of every group's membership (<see cref="GroupMembershipSnapshot"/>, one per
/// group, deleted ones included) every <see cref="IdentityOptions.MembershipSnapshotInterval"/> and when
/// a copy asks (<see cref="Request"/>). Requests are coalesced: at most one snapshot starts per
/// <see cref="IdentityOptions.MembershipSnapshotRequestGap"/>, and a request that arrives while one
/// runs gets another one after it (the running one may have read its group already).
/// </summary>
/// <remarks>
/// Published straight to the bus, not through the outbox: a snapshot is a repeatable read of the
/// current state, not a change, so one lost to a broker outage is simply made again (the schedule, or
/// the copy's next request); through the outbox every snapshot would stay in the event log for its
/// retention (groups × snapshots a day × days kept rows).
/// </remarks>
public sealed partial class MembershipSnapshots(
    MembershipSnapshotStore store,
    IBus bus,
    IOptions<IdentityOptions> options,
    TimeProvider clock,
    ILogger<MembershipSnapshots> logger) : BackgroundService
{
    private const int PageSize = 500;
    private readonly SemaphoreSlim _asked = new(0, 1);
    private readonly Lock _gate = new();
    private string? _pendingReason;

    /// <summary>Asks for a snapshot soon; any number of requests before it starts make one snapshot.</summary>
    public void Request(MembershipSnapshotRequested request)
    {
        LogRequested(request.RequestedBy, request.Reason, request.RequestId);
        MarkAsked(request.Reason);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var nextScheduled = clock.GetUtcNow() + settings.MembershipSnapshotInterval;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var wait = nextScheduled - clock.GetUtcNow();
                var asked = await _asked.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, stoppingToken);
                string reason;
                lock (_gate)
                {
                    reason = asked ? _pendingReason ?? MembershipSnapshotReasons.Schedule : MembershipSnapshotReasons.Schedule;
                    _pendingReason = null;
                }

                nextScheduled = clock.GetUtcNow() + settings.MembershipSnapshotInterval;
                var gap = settings.MembershipSnapshotRequestGap;
                try
                {
                    await PublishSnapshotAsync(reason, stoppingToken);
                    failures = 0;
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogSnapshotFailed(exception, reason);
                    // An asked-for snapshot is tried again, after a gap that doubles with each failure in a row (up to the interval).
                    failures++;
                    gap = TimeSpan.FromTicks(Math.Min(Math.Max(gap.Ticks, TimeSpan.FromSeconds(1).Ticks) << Math.Min(failures, 20), settings.MembershipSnapshotInterval.Ticks));
                    if (reason != MembershipSnapshotReasons.Schedule)
                    {
                        MarkAsked(reason);
                    }
                }

                await Task.Delay(gap, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>A snapshot is wanted: the loop starts one as soon as the gap since the last allows.</summary>
    private void MarkAsked(string reason)
    {
        lock (_gate)
        {
            _pendingReason ??= reason;
            if (_asked.CurrentCount == 0)
            {
                _asked.Release();
            }
        }
    }

    private async Task PublishSnapshotAsync(string reason, CancellationToken cancellationToken)
    {
        var snapshotId = Guid.NewGuid();
        var count = await store.CountAsync(cancellationToken);
        LogSnapshotStarted(snapshotId, reason, count);
        var published = 0;
        foreach (var deleted in new[] { false, true })
        {
            var after = Guid.Empty;
            while (true)
            {
                var page = await store.PageAsync(deleted, after, PageSize, cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }

                var now = clock.GetUtcNow();
                await Task.WhenAll(page.Select(group =>
                {
                    var snapshot = new GroupMembershipSnapshot(Guid.NewGuid(), now, snapshotId, reason, count, group.Id, group.Name, group.Version,
                        group.Deleted, group.MembershipVersion, group.Members);
                    return bus.Publish(snapshot, context => context.MessageId = snapshot.EventId, cancellationToken);
                }));
                published += page.Count;
                after = page[^1].Id;
                if (count > PageSize)
                {
                    LogSnapshotProgress(snapshotId, published, count);
                }
            }
        }

        LogSnapshotPublished(snapshotId, reason, published);
    }

    [LoggerMessage(EventId = IdentityLogEvents.MembershipSnapshotRequested, Level = LogLevel.Information, Message = "Membership snapshot requested by {RequestedBy} ({Reason}, request {RequestId})")]
    private partial void LogRequested(string requestedBy, string reason, Guid requestId);

    [LoggerMessage(EventId = IdentityLogEvents.MembershipSnapshotPublishing, Level = LogLevel.Information, Message = "Membership snapshot {SnapshotId} ({Reason}): publishing {Groups} groups")]
    private partial void LogSnapshotStarted(Guid snapshotId, string reason, int groups);

    [LoggerMessage(EventId = IdentityLogEvents.MembershipSnapshotProgress, Level = LogLevel.Information, Message = "Membership snapshot {SnapshotId}: {Published} of {Groups} groups published")]
    private partial void LogSnapshotProgress(Guid snapshotId, int published, int groups);

    [LoggerMessage(EventId = IdentityLogEvents.MembershipSnapshotPublished, Level = LogLevel.Information, Message = "Membership snapshot {SnapshotId} ({Reason}) published: {Groups} groups")]
    private partial void LogSnapshotPublished(Guid snapshotId, string reason, int groups);

    [LoggerMessage(EventId = IdentityLogEvents.MembershipSnapshotFailed, Level = LogLevel.Warning, Message = "Membership snapshot ({Reason}) failed; the copies are reconciled at the next one")]
    private partial void LogSnapshotFailed(Exception exception, string reason);
}
