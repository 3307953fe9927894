using System.Data;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Roomcast.Outbox.Telemetry;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults.Logging;

namespace Roomcast.Outbox;

/// <summary>
/// Publishes committed outbox rows to RabbitMQ in order. One instance at a time holds the relay lock;
/// it gives new rows the next position of this service's outbox (column <c>seq</c>; in commit-visible
/// order, so the bus never carries a lower position after a higher one), publishes them with broker
/// confirms, each event carrying its position as <c>OutboxPosition</c>, and marks them published.
/// Published rows stay as the event log. Wakes on commit (LISTEN/NOTIFY and an in-process signal);
/// the poll interval is only the fallback. Each publish is a span of the trace the event was written in.
/// </summary>
public sealed partial class OutboxRelay(
    NpgsqlDataSource dataSource,
    IBus bus,
    OutboxSignal signal,
    OutboxEventTypes eventTypes,
    OutboxMetrics metrics,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    /// <summary>The relay's spans: one per publish, until the broker's confirm.</summary>
    public const string ActivitySourceName = "Roomcast.Outbox";

    private static readonly ActivitySource Activities = new(ActivitySourceName);

    private const string LockKey = "roomcast.outbox-relay";

    private const string LastPositionQuery = "SELECT last_seq FROM outbox_state; ";

    /// <summary>
    /// Every integration event's <c>OutboxPosition</c> as <see cref="OutboxEventTypes.Json"/> names it in
    /// a stored payload: the relay writes the row's position there as it publishes.
    /// </summary>
    internal const string OutboxPositionField = "outboxPosition";

    private const string PendingColumns =
        "id AS Id, seq AS Position, event_id AS EventId, record_id AS RecordId, event_type AS EventType, payload::text AS Payload, trace_parent AS TraceParent";

    /// <summary>
    /// The rows waiting to be published, oldest first. Both queries read the partial index of
    /// unpublished rows in its own order, so a round costs the same whatever the size of the event
    /// log, and the index scan marks the entries of rows published since as dead for the next one.
    /// (Ordering by seq first, as an earlier version did, made PostgreSQL walk the seq index over the
    /// whole event log: 19 ms a round at 500 events/s with a few minutes of log.)
    /// </summary>
    internal const string WaitingRowsQuery =
        $"SELECT {PendingColumns} FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT @batch";

    /// <summary>
    /// The rows a failed round numbered and did not publish. Written so the seq index cannot serve
    /// it: with statistics from before a burst was published (every seq null) PostgreSQL took the seq
    /// index for "seq IS NOT NULL" and read the whole event log.
    /// </summary>
    internal const string NumberedRowsQuery =
        $"SELECT {PendingColumns} FROM outbox WHERE published_at IS NULL AND coalesce(seq, 0) > 0 ORDER BY id LIMIT @batch";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>How long the mark written on shutdown may take: a stop never waits long on a database that does not answer.</summary>
    private const int FinalMarkTimeoutSeconds = 5;

    /// <summary>
    /// Whether rows numbered by a failed round may be waiting: so at start (a previous relay's round
    /// may have failed) and after a failed round; cleared when none are left.
    /// </summary>
    private bool _numberedMayWait = true;

    /// <summary>The event types this relay has published since its last failed round (see <see cref="PublishInOrderAsync"/>).</summary>
    private readonly HashSet<Type> _publishedTypes = [];

    /// <summary>
    /// What the last round published, written in the same round trip as the next round's read (see
    /// <see cref="RoundMark"/>); null when nothing is waiting to be written.
    /// </summary>
    private RoundMark? _unmarked;

    /// <summary>Whether a round's mark waits for the next round's read (tests wait for it before they stop the relay).</summary>
    internal bool HasPendingMark => Volatile.Read(ref _unmarked) is not null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = ListenForCommitsAsync(stoppingToken);
        var backoff = TimeSpan.Zero;
        signal.Notify(); // rows left by a previous run go out at once
        // The relay keeps its own connection from round to round: taking one from the pool each time
        // made it queue behind every waiting request under load, so events waited seconds to go out.
        // The relay lock is a session lock of that connection: held from round to round without a
        // transaction per round, and released by PostgreSQL when the connection ends, however it ends.
        NpgsqlConnection? connection = null;
        var holdsLock = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await signal.WaitAsync(
                        backoff > TimeSpan.Zero ? backoff : _unmarked is not null ? options.Value.MarkDelay : options.Value.PollInterval, stoppingToken);
                    connection ??= await dataSource.OpenConnectionAsync(stoppingToken);
                    if (!holdsLock && await TryTakeRelayLockAsync(connection, stoppingToken))
                    {
                        holdsLock = true;
                        signal.RelayHoldsLock = true;
                        _numberedMayWait = true; // the previous holder's last round may have failed
                    }

                    if (holdsLock)
                    {
                        while (await RelayBatchAsync(connection, stoppingToken))
                        {
                        }
                    }

                    backoff = TimeSpan.Zero;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception exception)
                {
                    backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                    LogRelayFailed(exception, backoff);
                    // Only a broken connection is replaced: its session, and so the lock, ended with it. A
                    // healthy one is kept, since back in the pool it would hold the lock until it was reused.
                    if (connection is not null && connection.State != ConnectionState.Open)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                        holdsLock = false;
                        signal.RelayHoldsLock = false;
                    }
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                signal.RelayHoldsLock = false;
                await WritePendingMarkAsync(connection, holdsLock);
                await ReleaseAsync(connection, holdsLock);
            }
        }

        await listening;
    }

    /// <summary>
    /// Takes the relay lock for this connection if it is free. An instance that holds it drains what
    /// we committed too; we try again at every wake-up, so we take over as soon as its connection ends.
    /// </summary>
    private static async Task<bool> TryTakeRelayLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT pg_try_advisory_lock(hashtext(@LockKey))", new { LockKey }, cancellationToken: cancellationToken));

    /// <summary>
    /// On shutdown, the last round's mark is written rather than left to the next holder, which would
    /// publish its events again (dropped downstream by event id, but noise in every consumer's log).
    /// </summary>
    private async Task WritePendingMarkAsync(NpgsqlConnection connection, bool holdsLock)
    {
        if (_unmarked is not { } mark || !holdsLock || connection.State != ConnectionState.Open)
        {
            return;
        }

        _unmarked = null;
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(RoundMark.Statements, mark.Parameters(options.Value.BatchSize), commandTimeout: FinalMarkTimeoutSeconds));
        }
        catch (NpgsqlException exception)
        {
            LogFinalMarkFailed(exception, mark.Ids.Length);
        }
    }

    /// <summary>Gives the lock up at once on shutdown, so another instance takes over without waiting for this pool to close.</summary>
    private async Task ReleaseAsync(NpgsqlConnection connection, bool holdsLock)
    {
        try
        {
            if (holdsLock && connection.State == ConnectionState.Open)
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(hashtext(@LockKey))", new { LockKey });
            }
        }
        catch (NpgsqlException exception)
        {
            // Connections go back to the pool without a reset (PostgresSetup), so this one must not
            // go back holding the lock: the pool closes it instead, and the lock ends with its session.
            LogReleaseFailed(exception);
            NpgsqlConnection.ClearPool(connection);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Relays one batch; returns whether to run another round at once: after a full batch (more rows
    /// may wait, their wake-ups cleared) or a round of numbered rows (those waiting to be numbered
    /// come next). After any other round that published, the relay waits for the next commit, at most
    /// <see cref="OutboxOptions.MarkDelay"/>, and that round's read carries this one's mark.
    /// </summary>
    private async Task<bool> RelayBatchAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // One round trip: the last position given and the waiting rows. Rows numbered by an earlier round
        // whose publish failed go out again first, alone, before anything new is numbered.
        var numbered = _numberedMayWait;
        var read = numbered ? LastPositionQuery + NumberedRowsQuery : LastPositionQuery + WaitingRowsQuery;
        // The last round's mark goes first, so the read sees its rows published. It is written with
        // this read or not at all (one implicit transaction); if not, its rows go out again and the
        // copies are dropped by event id downstream. Not cancelled: a mark is never cut short.
        var mark = _unmarked;
        _unmarked = null;
        signal.Clear(); // what signalled until now, this read sees
        List<PendingRow> rows;
        long lastPosition;
        using (var results = await connection.QueryMultipleAsync(mark is null
            ? new CommandDefinition(read, new { batch = options.Value.BatchSize }, cancellationToken: cancellationToken)
            : new CommandDefinition(RoundMark.Statements + read, mark.Parameters(options.Value.BatchSize), cancellationToken: CancellationToken.None)))
        {
            lastPosition = await results.ReadSingleAsync<long>();
            rows = (await results.ReadAsync<PendingRow>()).ToList();
        }

        if (numbered)
        {
            if (rows.Count == 0)
            {
                _numberedMayWait = false;
                return true; // now the rows waiting to be numbered
            }

            // One failed round's rows, numbered in id order: sorted by position to say so rather than assume it.
            rows.Sort((left, right) => left.Position!.Value.CompareTo(right.Position!.Value));
        }
        else if (rows.Count == 0)
        {
            return false;
        }
        else if (rows.Any(row => row.Position is not null))
        {
            // Numbered rows the flag did not expect: published first, by the path above, never renumbered.
            _numberedMayWait = true;
            return true;
        }

        var positions = rows.Select(row => row.Position ?? ++lastPosition).ToArray();
        var publishes = await PublishInOrderAsync(rows, positions, cancellationToken);
        var confirmedAt = DateTime.UtcNow;
        // Only an unbroken run of confirmed events counts as published; the rest keep their position and
        // go out again first next round (a duplicate on the bus is dropped by event id downstream).
        var published = publishes.TakeWhile(publish => publish is { IsCompletedSuccessfully: true }).Count();
        var failure = published < rows.Count
            ? publishes[published]?.Exception?.GetBaseException() ?? new TimeoutException("A publish did not complete.")
            : null;

        var roundMark = new RoundMark(
            rows.Select(row => row.Id).ToArray(), positions, rows.Select((_, index) => index < published).ToArray(), confirmedAt, lastPosition);
        if (failure is not null)
        {
            // Now, not with the next read: the rows numbered and not published must keep their position.
            await connection.ExecuteAsync(new CommandDefinition(
                RoundMark.Statements, roundMark.Parameters(options.Value.BatchSize), cancellationToken: CancellationToken.None));
        }
        else
        {
            _unmarked = roundMark;
        }

        if (published > 0)
        {
            LogPublished(published, positions[0], positions[published - 1]);
        }

        if (failure is not null)
        {
            _numberedMayWait = true;
            throw new OutboxPublishException($"Published {published} of {rows.Count} events; event {rows[published].EventId} was not confirmed.", failure);
        }

        if (numbered && rows.Count < options.Value.BatchSize)
        {
            _numberedMayWait = false;
        }

        // A commit during this round signalled again, so the wait ahead ends at once for it. A round of
        // numbered rows read none of the rows waiting to be numbered, whose wake-ups it cleared.
        return numbered || rows.Count == options.Value.BatchSize;
    }

    /// <summary>
    /// Publishes the rows so that the broker receives them in position order, and returns each publish (null
    /// for those not started because an earlier one failed). Awaiting each confirm before the next
    /// publish made the relay fall ten times behind under load, so publishes overlap: once MassTransit
    /// has a channel and the event type's exchange, a publish is on the channel when
    /// <c>Publish</c> returns, and publishes started in position order reach the broker in that order. Before
    /// that, a publish first waits inside MassTransit for them, and two such waits can finish in either
    /// order (a test caught position 6 before 5 on a fresh bus). So a publish that may find either missing
    /// goes alone: the round's first (the channel may have been replaced since the last round) and the
    /// first of an event type this relay has not published since its last failure.
    /// </summary>
    private async Task<Task?[]> PublishInOrderAsync(List<PendingRow> rows, long[] positions, CancellationToken cancellationToken)
    {
        var publishes = new Task?[rows.Count];
        for (var index = 0; index < rows.Count; index++)
        {
            Type type;
            try
            {
                type = eventTypes.TypeOf(rows[index].EventType);
            }
            catch (InvalidOperationException unknown)
            {
                publishes[index] = Task.FromException(unknown); // fails the round from here, like a refused publish
                break;
            }

            var alone = index == 0 || !_publishedTypes.Contains(type);
            if (alone && !await AllSucceededAsync(publishes.AsMemory(0, index), cancellationToken))
            {
                break;
            }

            publishes[index] = PublishAsync(rows[index], type, positions[index], cancellationToken);
            if (alone)
            {
                if (!await AllSucceededAsync(publishes.AsMemory(index, 1), cancellationToken))
                {
                    break;
                }

                _publishedTypes.Add(type);
            }
        }

        if (!await AllSucceededAsync(publishes, cancellationToken))
        {
            _publishedTypes.Clear(); // the channel may be replaced: every type goes alone again
        }

        return publishes;
    }

    /// <summary>Waits for every one of <paramref name="publishes"/> that was started; whether all were started and confirmed.</summary>
    private static async Task<bool> AllSucceededAsync(ReadOnlyMemory<Task?> publishes, CancellationToken cancellationToken)
    {
        var started = publishes.ToArray().OfType<Task>().ToArray();
        try
        {
            await Task.WhenAll(started);
        }
        catch when (!cancellationToken.IsCancellationRequested)
        {
            // The caller reads each failure from its task.
        }

        return started.Length == publishes.Length && started.All(publish => publish.IsCompletedSuccessfully);
    }

    private async Task PublishAsync(PendingRow row, Type type, long position, CancellationToken cancellationToken)
    {
        var payload = JsonNode.Parse(row.Payload)!.AsObject();
        payload[OutboxPositionField] = position;
        var message = payload.Deserialize(type, OutboxEventTypes.Json)
            ?? throw new InvalidOperationException($"Outbox row {row.Id} holds an empty payload.");

        // The request that wrote the event ended long ago, maybe in another instance: the publish continues its
        // trace from the stored context, and MassTransit carries it on to the consumers.
        using var activity = Activities.StartActivity(
            $"{row.EventType} publish", ActivityKind.Producer, ActivityContext.TryParse(row.TraceParent, null, isRemote: true, out var written) ? written : default);
        activity?.SetTag("messaging.message.id", row.EventId);
        activity?.SetTag("roomcast.outbox.position", position);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PublishTimeout);
        try
        {
            await bus.Publish(message, message.GetType(), context => context.MessageId = row.EventId, timeout.Token);
        }
        catch (Exception exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            throw;
        }

        metrics.Published(row.EventType);
    }

    private Task ListenForCommitsAsync(CancellationToken stoppingToken) =>
        PostgresListener.RunAsync(dataSource, new PostgresListen(OutboxChannel.Name, options.Value.PollInterval)
        {
            Heard = signal.NotifiedBy,
            // Commits made while we were not listening are picked up now rather than at the next poll.
            Listening = signal.Notify,
            Lost = LogListenFailed,
        }, logger, stoppingToken);

    private sealed record PendingRow(long Id, long? Position, Guid EventId, Guid? RecordId, string EventType, string Payload, string? TraceParent);

    /// <summary>
    /// A round's outcome for its rows: each one's position, published or not (an unbroken run from the
    /// first), and the last position given. Written at the start of the next round's read, in its round trip: under
    /// load rounds follow each other, and a mark of its own cost every round a PostgreSQL round trip.
    /// </summary>
    private sealed record RoundMark(long[] Ids, long[] Positions, bool[] Published, DateTime ConfirmedAt, long LastPosition)
    {
        /// <summary>Two statements; in one command PostgreSQL runs them, and whatever follows, in one implicit transaction.</summary>
        public const string Statements =
            """
            UPDATE outbox SET seq = numbered.position, published_at = CASE WHEN numbered.published THEN @confirmedAt END
            FROM unnest(@ids, @positions, @flags) AS numbered(id, position, published)
            WHERE outbox.id = numbered.id;
            UPDATE outbox_state SET last_seq = @lastPosition;

            """;

        public object Parameters(int batch) => new { ids = Ids, positions = Positions, flags = Published, confirmedAt = ConfirmedAt, lastPosition = LastPosition, batch };
    }

    // Debug: a round under light load is one event, so Information wrote a line per event.
    [LoggerMessage(EventId = SharedLogEvents.OutboxPublished, Level = LogLevel.Debug, Message = "Published {Count} outbox events, positions {FirstPosition}..{LastPosition}")]
    private partial void LogPublished(int count, long firstPosition, long lastPosition);

    [LoggerMessage(EventId = SharedLogEvents.OutboxRelayFailed, Level = LogLevel.Error, Message = "Outbox relay round failed; retrying in {Backoff}")]
    private partial void LogRelayFailed(Exception exception, TimeSpan backoff);

    [LoggerMessage(EventId = SharedLogEvents.OutboxListenLost, Level = LogLevel.Warning, Message = "Lost the outbox LISTEN connection; polling until it is back")]
    private partial void LogListenFailed(Exception exception);

    [LoggerMessage(EventId = SharedLogEvents.OutboxFinalMarkFailed, Level = LogLevel.Warning, Message = "Could not mark the last {Count} published outbox events on shutdown; the next relay publishes them again (dropped downstream by event id)")]
    private partial void LogFinalMarkFailed(Exception exception, int count);

    [LoggerMessage(EventId = SharedLogEvents.OutboxLockReleaseFailed, Level = LogLevel.Warning, Message = "Could not release the outbox relay lock on shutdown; it goes with the connection")]
    private partial void LogReleaseFailed(Exception exception);
}

public sealed class OutboxPublishException(string message, Exception inner) : Exception(message, inner);
