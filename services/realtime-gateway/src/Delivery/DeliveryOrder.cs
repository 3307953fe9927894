using System.Runtime.CompilerServices;
using MassTransit;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Keeps several events in flight in the order RabbitMQ delivered them. Each step of a delivery (its
/// seq and announcement, its local send, its mark as delivered) waits until every event delivered before
/// it has taken that step, so clients see seqs rise and events arrive in the outbox's order, while one
/// event's Redis round trip overlaps the next one's. A step is passed only when it succeeded: an event
/// whose attempt fails keeps its place, and the events behind it wait for its retry.
/// </summary>
/// <remarks>
/// The order is the delivery tag, which RabbitMQ numbers 1, 2, 3… on each channel (a <em>line</em>, named
/// by its consumer tag). Every delivery is seen when its receive starts and finished when it ends,
/// whatever happened (<see cref="DeliveryOrderFilter"/>), so a message no consumer takes or one that
/// is dead-lettered never holds up the ones behind it. A delivery still unseen after
/// <see cref="DeliveryOrderOptions.UnseenTimeout"/> is given up on with a warning rather than waited for forever.
/// When this instance gives up its consumer turn (<see cref="ConsumerTurn"/>) the line is abandoned: no
/// step is passed on it any more, so nothing behind an unfinished delivery overtakes it before the
/// channel closes and RabbitMQ puts them all back in the queue, in order.
/// </remarks>
public sealed partial class DeliveryOrder(TimeSpan unseenTimeout, ILogger<DeliveryOrder> logger)
{
    private static readonly DeliveryStep[] Steps = Enum.GetValues<DeliveryStep>();
    private const int KeptLines = 4;
    private static readonly ConditionalWeakTable<IChannel, string> ChannelLines = [];
    private static long _channels;
    private readonly Dictionary<string, Line> _lines = [];
    private readonly Queue<string> _created = new();
    private readonly Lock _gate = new();

    /// <summary>The turn of a consumed message; its <c>ReceiveContext</c> must come from RabbitMQ.</summary>
    public DeliveryTurn TurnOf(ConsumeContext context) =>
        LineOf(context.ReceiveContext) is { } line
            ? new DeliveryTurn(this, line.Name, line.Tag)
            : throw new InvalidOperationException("Events are kept in order by their RabbitMQ delivery tag; this message did not come from RabbitMQ.");

    /// <summary>
    /// The line (channel) and place of a delivery from RabbitMQ, or <c>null</c> for any other. A line is
    /// named after its channel, not only its consumer tag: MassTransit consumes again under the same
    /// tag on a new channel, whose delivery tags start again at 1.
    /// </summary>
    public static (string Name, ulong Tag)? LineOf(ReceiveContext context) =>
        context.TryGetPayload<RabbitMqBasicConsumeContext>(out var basic) && context.TryGetPayload<ChannelContext>(out var channel)
            ? (ChannelLines.GetValue(channel.Channel, _ => $"{basic.ConsumerTag}#{Interlocked.Increment(ref _channels)}"), basic.DeliveryTag)
            : null;

    /// <summary>A delivery's receive has started: the ones behind it wait for it however long it takes.</summary>
    public void Seen(string line, ulong tag)
    {
        lock (_gate)
        {
            var state = StateOf(line);
            if (!state.Abandoned && tag > state.Marks.Min())
            {
                state.Seen.Add(tag);
            }
        }
    }

    /// <summary>A delivery's receive has ended, however it ended: it has taken every step.</summary>
    public void Finished(string line, ulong tag)
    {
        lock (_gate)
        {
            var state = StateOf(line);
            if (state.Abandoned)
            {
                return;
            }
            foreach (var step in Steps)
            {
                state.Pass(tag, step);
            }
            state.Release();
        }
    }

    /// <summary>Completes once every delivery before <paramref name="tag"/> on its line has taken <paramref name="step"/>.</summary>
    public async Task WaitAsync(string line, ulong tag, DeliveryStep step, CancellationToken cancellationToken)
    {
        Task waiting;
        lock (_gate)
        {
            var state = StateOf(line);
            if (state.Abandoned)
            {
                throw new TurnGivenUpException(line);
            }
            state.Seen.Add(tag);
            if (state.Marks[(int)step] + 1 >= tag)
            {
                return;
            }
            var waiter = new Waiter(tag, step, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            state.Waiters.Add(waiter);
            waiting = waiter.Turn.Task;
        }

        while (true)
        {
            try
            {
                await waiting.WaitAsync(unseenTimeout, cancellationToken);
                return;
            }
            catch (TimeoutException)
            {
                GiveUpOnUnseen(line, tag, step);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    StateOf(line).Waiters.RemoveAll(waiter => waiter.Turn.Task == waiting);
                }
                throw;
            }
        }
    }

    /// <summary>The delivery at <paramref name="tag"/> has taken <paramref name="step"/>.</summary>
    public void Pass(string line, ulong tag, DeliveryStep step)
    {
        lock (_gate)
        {
            var state = StateOf(line);
            if (state.Abandoned)
            {
                return;
            }
            state.Pass(tag, step);
            state.Release();
        }
    }

    /// <summary>
    /// This instance gives up consuming on <paramref name="line"/>: every delivery waiting for its turn on
    /// it, and every one that asks later, fails with <see cref="TurnGivenUpException"/>; none takes another step.
    /// </summary>
    public void Abandon(string line)
    {
        List<Waiter> waiters;
        lock (_gate)
        {
            var state = StateOf(line);
            state.Abandoned = true;
            waiters = [.. state.Waiters];
            state.Waiters.Clear();
        }
        foreach (var waiter in waiters)
        {
            waiter.Turn.TrySetException(new TurnGivenUpException(line));
        }
    }

    private void GiveUpOnUnseen(string line, ulong tag, DeliveryStep step)
    {
        lock (_gate)
        {
            var state = StateOf(line);
            if (state.Abandoned)
            {
                return;
            }
            for (var before = state.Marks[(int)step] + 1; before < tag; before++)
            {
                if (!state.Seen.Contains(before) && !state.Ahead[(int)step].Contains(before))
                {
                    LogUnseen(line, before, tag, unseenTimeout);
                    foreach (var each in Steps)
                    {
                        state.Pass(before, each);
                    }
                }
            }
            state.Release();
        }
    }

    private Line StateOf(string name)
    {
        if (!_lines.TryGetValue(name, out var line))
        {
            // A new channel (the consumer reconnected); the deliveries of old channels are not acknowledged
            // any more, so only the newest few lines are kept for the stragglers still finishing on them.
            _lines[name] = line = new Line();
            _created.Enqueue(name);
            while (_created.Count > KeptLines)
            {
                _lines.Remove(_created.Dequeue());
            }
        }
        return line;
    }

    [LoggerMessage(EventId = GatewayLogEvents.DeliveryOrderUnseen, Level = LogLevel.Warning,
        Message = "Delivery {Tag} on channel {Line} was never received within {Timeout}; delivery {Waiting} and those after it go on without it")]
    private partial void LogUnseen(string line, ulong tag, ulong waiting, TimeSpan timeout);

    private sealed record Waiter(ulong Tag, DeliveryStep Step, TaskCompletionSource Turn);

    /// <summary>One channel's deliveries: per step, the tag up to which every delivery has taken it, and those past it that have.</summary>
    private sealed class Line
    {
        public ulong[] Marks { get; } = new ulong[Steps.Length];

        public HashSet<ulong>[] Ahead { get; } = Steps.Select(_ => new HashSet<ulong>()).ToArray();

        public HashSet<ulong> Seen { get; } = [];

        public List<Waiter> Waiters { get; } = [];

        public bool Abandoned { get; set; }

        /// <summary>Seen tags up to here are forgotten: every step is past them.</summary>
        private ulong _pruned;

        public void Pass(ulong tag, DeliveryStep step)
        {
            var index = (int)step;
            if (tag <= Marks[index])
            {
                return;
            }
            var ahead = Ahead[index];
            ahead.Add(tag);
            while (ahead.Remove(Marks[index] + 1))
            {
                Marks[index]++;
            }
            var done = Marks.Min();
            if (done > _pruned)
            {
                _pruned = done;
                Seen.RemoveWhere(seen => seen <= done);
            }
        }

        /// <summary>Lets go every waiter whose predecessors have all taken its step.</summary>
        public void Release()
        {
            for (var i = Waiters.Count - 1; i >= 0; i--)
            {
                var waiter = Waiters[i];
                if (Marks[(int)waiter.Step] + 1 >= waiter.Tag)
                {
                    Waiters.RemoveAt(i);
                    waiter.Turn.TrySetResult();
                }
            }
        }
    }
}

/// <summary>The steps of a delivery that keep the delivery order, in the order a delivery takes them.</summary>
public enum DeliveryStep
{
    /// <summary>The history gave the event its seq (or recognised it as a copy) and announced it to the other instances.</summary>
    Appended,

    /// <summary>This instance's connections were sent the event.</summary>
    SentLocally,

    /// <summary>The history marked the event delivered.</summary>
    Delivered,
}

/// <summary>A consumed message's place in the delivery order.</summary>
public readonly record struct DeliveryTurn(DeliveryOrder Order, string Line, ulong Tag)
{
    /// <inheritdoc cref="DeliveryOrder.WaitAsync"/>
    public Task WaitAsync(DeliveryStep step, CancellationToken cancellationToken) => Order.WaitAsync(Line, Tag, step, cancellationToken);

    /// <inheritdoc cref="DeliveryOrder.Pass"/>
    public void Pass(DeliveryStep step) => Order.Pass(Line, Tag, step);

    /// <summary>Before an event moves connections between rooms: every event before it has reached its rooms on every instance.</summary>
    public Task EarlierEventsDeliveredAsync(CancellationToken cancellationToken) => WaitAsync(DeliveryStep.Delivered, cancellationToken);
}

/// <summary>
/// The delivery's line was abandoned: this instance gave up its consumer turn, and the delivery goes
/// back to the queue with its channel, in its place, rather than being handled here or dead-lettered.
/// </summary>
public sealed class TurnGivenUpException(string line)
    : Exception($"This instance gave up consuming on {line}; the delivery goes back to the queue.");
