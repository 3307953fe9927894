using System.Buffers.Text;
using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Roomcast.Bench.InProcess;

/// <summary>
/// An in-memory SignalR connection for the in-process backplane runs: it takes the JSON frame the
/// lifetime manager writes (the bytes a socket would get), reads the message's sequence number (its
/// one integer argument) and records when it arrived. No socket, so the figures are the backplane's.
/// </summary>
internal sealed class BenchConnection : HubConnectionContext
{
    private static readonly IHubProtocol Json = new JsonHubProtocol();
    private long[] _arrivals = [];
    private int _count;

    public BenchConnection(string id, string? userId)
        : base(new DefaultConnectionContext(id), new HubConnectionContextOptions
        {
            KeepAliveInterval = TimeSpan.FromSeconds(15),
            ClientTimeoutInterval = TimeSpan.FromSeconds(30),
            StreamBufferCapacity = 10,
            MaximumParallelInvocations = 1,
        }, NullLoggerFactory.Instance)
    {
        UserIdentifier = userId;
    }

    /// <summary>Called after each arrival with the sequence number, on the delivering thread.</summary>
    public Action<int>? Arrived { get; set; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Stopwatch timestamp of the arrival of each sequence number (0: not arrived).</summary>
    public long[] Arrivals => _arrivals;

    /// <summary>Forgets what arrived and expects sequence numbers below <paramref name="messages"/>.</summary>
    public void Expect(int messages)
    {
        _arrivals = new long[messages];
        Volatile.Write(ref _count, 0);
    }

    public override ValueTask WriteAsync(HubMessage message, CancellationToken cancellationToken = default) =>
        WriteAsync(new SerializedHubMessage(message), cancellationToken);

    public override ValueTask WriteAsync(SerializedHubMessage message, CancellationToken cancellationToken = default)
    {
        var now = Stopwatch.GetTimestamp();
        var sequence = SequenceOf(message.GetSerializedMessage(Json).Span);
        var arrivals = _arrivals;
        if ((uint)sequence < (uint)arrivals.Length)
        {
            arrivals[sequence] = now;
        }
        Interlocked.Increment(ref _count);
        Arrived?.Invoke(sequence);
        return ValueTask.CompletedTask;
    }

    /// <summary>The integer in <c>"arguments":[n]</c> of a JSON hub invocation; -1 when there is none.</summary>
    private static int SequenceOf(ReadOnlySpan<byte> frame)
    {
        var open = frame.LastIndexOf((byte)'[');
        return open >= 0 && Utf8Parser.TryParse(frame[(open + 1)..], out int sequence, out _) ? sequence : -1;
    }
}
