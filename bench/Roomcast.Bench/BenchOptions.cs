using System.Globalization;

namespace Roomcast.Bench;

/// <summary>The command line. The endpoints and database come from scripts/bench.sh; the load shape from the user.</summary>
public sealed record BenchOptions
{
    public required Uri DocumentsApi { get; init; }

    public required Uri Identity { get; init; }

    /// <summary>documents-api's own database: the outbox rows are the measurement.</summary>
    public required string DocumentsDb { get; init; }

    public required Guid RootId { get; init; }

    public required string Username { get; init; }

    public required string Password { get; init; }

    /// <summary>Updates per second of the fixed-rate phase.</summary>
    public double Rate { get; init; } = 500;

    /// <summary>Measured seconds of each phase.</summary>
    public double Seconds { get; init; } = 10;

    /// <summary>Closed-loop workers of the throughput phase.</summary>
    public int Concurrency { get; init; } = 32;

    /// <summary>Documents created for the run; every worker updates its own share of them.</summary>
    public int Documents { get; init; } = 512;

    /// <summary>
    /// Load before phase a is measured. Long because the services are JIT-compiled in tiers: of the
    /// ~24,000 compilations in documents-api's life, about half are recompilations at a higher tier
    /// (instrumented, then optimised with the profile), and on 2 busy cores they go on for most of a
    /// minute of load. After 15 s, phase a measured 706–879 updates/s with 12 % of documents-api's
    /// CPU samples in the JIT; after 60 s, 994–1,327 (2026-11-22, BENCHMARKS.md).
    /// </summary>
    public double WarmupSeconds { get; init; } = 60;

    /// <summary>Upper bound on waiting for the relay to publish everything after a phase; the backlog of phase a can be large.</summary>
    public double DrainTimeoutSeconds { get; init; } = 120;

    public IReadOnlyList<WatchedProcess> Watched { get; init; } = [];

    public const string Usage =
        """
        usage: Roomcast.Bench --api URL --identity URL --db CONNECTION-STRING --root ROOT-ID --username NAME --password PASSWORD
                              [--rate 500] [--seconds 10] [--concurrency 32] [--documents 512] [--warmup 60] [--drain-timeout 120]
                              [--watch NAME=PID]... [--watch-tree NAME=PID]...
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var watched = new List<WatchedProcess>();
        for (var index = 0; index < args.Count; index++)
        {
            var name = args[index];
            if (!name.StartsWith("--", StringComparison.Ordinal) || index + 1 >= args.Count)
            {
                throw new ArgumentException($"Expected '--option value', got '{name}'.");
            }

            var value = args[++index];
            if (name is "--watch" or "--watch-tree")
            {
                watched.Add(ParseWatched(value, tree: name == "--watch-tree"));
            }
            else
            {
                values[name[2..]] = value;
            }
        }

        string Required(string key) => values.Remove(key, out var value) ? value : throw new ArgumentException($"--{key} is required.");
        double Number(string key, double fallback, double min) =>
            values.Remove(key, out var text) ? AtLeast(key, double.Parse(text, CultureInfo.InvariantCulture), min) : fallback;

        var options = new BenchOptions
        {
            DocumentsApi = new Uri(Required("api")),
            Identity = new Uri(Required("identity")),
            DocumentsDb = Required("db"),
            RootId = Guid.Parse(Required("root")),
            Username = Required("username"),
            Password = Required("password"),
            Rate = Number("rate", 500, 1),
            Seconds = Number("seconds", 10, 1),
            Concurrency = (int)Number("concurrency", 32, 1),
            Documents = (int)Number("documents", 512, 1),
            WarmupSeconds = Number("warmup", 60, 0),
            DrainTimeoutSeconds = Number("drain-timeout", 120, 1),
            Watched = watched,
        };
        if (values.Count > 0)
        {
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", values.Keys.Select(key => "--" + key))}.");
        }

        // Workers own disjoint documents so they never wait on each other's row locks.
        if (options.Documents < options.Concurrency)
        {
            throw new ArgumentException($"--documents ({options.Documents}) must be at least --concurrency ({options.Concurrency}).");
        }

        return options;
    }

    private static double AtLeast(string key, double value, double min) =>
        value >= min ? value : throw new ArgumentException($"--{key} must be at least {min}.");

    private static WatchedProcess ParseWatched(string value, bool tree)
    {
        var parts = value.Split('=', 2);
        return parts.Length == 2 && int.TryParse(parts[1], out var pid)
            ? new WatchedProcess(parts[0], pid, tree)
            : throw new ArgumentException($"Expected NAME=PID, got '{value}'.");
    }
}
