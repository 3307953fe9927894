namespace Roomcast.ServiceDefaults.Http;

/// <summary>Section <c>Sockets</c>: how Kestrel schedules the work of the service's own HTTP and SignalR connections.</summary>
public sealed class SocketSchedulingOptions
{
    public const string Section = "Sockets";

    /// <summary>
    /// Runs Kestrel's transport and application continuations on the thread that completed them
    /// (Kestrel's <c>UnsafePreferInlineScheduling</c>) instead of queueing each to the thread pool again:
    /// a request's handler runs on the pool thread its bytes arrived on, and a write is sent from the
    /// thread that flushed it. On by default: one wake-up less per read and per write, measured on two
    /// shared cores (BENCHMARKS.md, "Kestrel's inline scheduling"). Safe here because socket completions
    /// still reach the thread pool first (the runtime's own inline completions stay off) and no code of
    /// these services blocks a thread on a task.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;
}
