namespace Roomcast.Bench;

/// <summary>
/// Phase a: as many updates as the API takes from a fixed number of closed-loop workers; then the
/// relay alone, publishing the backlog the load left behind (its CPU is DrainCpu).
/// </summary>
public sealed record ThroughputPhase(LoadResult Load, OutboxLatency Outbox, OutboxDrain Drain, CpuUsage Cpu, CpuUsage DrainCpu);

/// <summary>Phase b: updates arriving at a fixed rate, with the outbox watched from outside while they do.</summary>
public sealed record FixedRatePhase(double TargetRate, LoadResult Load, ScheduleSlip Slip, OutboxLatency Outbox, OutboxDrain Drain, LagSamples Sampled, CpuUsage Cpu, StatementTimes Statements);

/// <summary>PostgreSQL's time per statement over a phase, or why it is not known.</summary>
public sealed record StatementTimes(IReadOnlyList<StatementTime> Top, string? Unavailable);

/// <summary>Process figures of documents-api over its whole life (start-up included).</summary>
public sealed record ServiceFootprint(double CpuSeconds, double? PeakRssMiB);
