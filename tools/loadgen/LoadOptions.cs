using System.Globalization;
using Roomcast.Bench;

namespace Roomcast.LoadGen;

/// <summary>What to drive and where: the services' addresses, the world to seed, the load, the output.</summary>
public sealed record LoadOptions
{
    public required Uri Identity { get; init; }

    public required Uri DocumentsApi { get; init; }

    /// <summary>The gateways' base addresses; connections are spread over them round-robin.</summary>
    public required IReadOnlyList<Uri> Gateways { get; init; }

    public string AdminUsername { get; init; } = "alice";

    public string AdminPassword { get; init; } = "roomcast-demo";

    public string Scenario { get; init; } = "custom";

    public int Users { get; init; } = 1000;

    public int Groups { get; init; } = 50;

    public int Roots { get; init; } = 200;

    public int ConnectionsPerUser { get; init; } = 1;

    /// <summary>Roots shared with every signed-in user (<c>sharedAccess: RO</c>): every update goes to every connection.</summary>
    public bool Broadcast { get; init; }

    public double Rate { get; init; } = 200;

    public double Seconds { get; init; } = 20;

    /// <summary>How long to wait for the last deliveries after the last update was sent.</summary>
    public double DrainSeconds { get; init; } = 15;

    /// <summary>How long to wait, before driving, for the gateways to consume the events the setup published.</summary>
    public double QuietSeconds { get; init; } = 300;

    public int ConnectConcurrency { get; init; } = 64;

    /// <summary>
    /// Processes whose CPU time and peak RSS are reported, by name: the services and the servers they use
    /// (<c>name=pid</c>; <c>name=pid+</c> adds the process's children, PostgreSQL's backends).
    /// </summary>
    public IReadOnlyList<WatchedProcess> ServicePids { get; init; } = [];

    public string? JsonFile { get; init; }

    /// <summary>Names this run's users, groups and roots, so runs against one stack never mix.</summary>
    public string RunId { get; init; } = $"lg{DateTime.UtcNow:HHmmss}{Random.Shared.Next(1000):000}";

    public int Connections => Users * ConnectionsPerUser;

    public int Updates => (int)Math.Round(Rate * Seconds);

    /// <summary>
    /// Seconds of updates at <see cref="Rate"/> before the measured ones, not counted (0 for none). 60 by
    /// default, as the outbox bench: after 10 s the services were still compiling their hot paths again at
    /// higher tiers during the measurement (in (c), 15-44 % of each service's CPU samples on the JIT's
    /// tiering thread), which is start-up, not the service that runs for days.
    /// </summary>
    public const double DefaultWarmupSeconds = 60;

    /// <inheritdoc cref="DefaultWarmupSeconds"/>
    public double WarmupSeconds { get; init; } = DefaultWarmupSeconds;

    public int WarmupUpdates => (int)Math.Round(Rate * WarmupSeconds);

    /// <summary>Scenario presets from issue #7; explicit options override them.</summary>
    public static IReadOnlyDictionary<string, string> Preset(string scenario) => scenario switch
    {
        "a" => new Dictionary<string, string> { ["users"] = "1000", ["groups"] = "50", ["roots"] = "200", ["rate"] = "200", ["seconds"] = "20" },
        "b" => new Dictionary<string, string> { ["users"] = "1000", ["connections-per-user"] = "5", ["groups"] = "50", ["roots"] = "200", ["rate"] = "500", ["seconds"] = "20" },
        "c" => new Dictionary<string, string> { ["users"] = "1000", ["groups"] = "50", ["roots"] = "20", ["broadcast"] = "true", ["rate"] = "100", ["seconds"] = "20" },
        "smoke" => new Dictionary<string, string> { ["users"] = "12", ["groups"] = "3", ["roots"] = "6", ["rate"] = "20", ["seconds"] = "3", ["warmup"] = "1" },
        _ => throw new ArgumentException($"Unknown scenario '{scenario}': expected a, b, c or smoke (or give every option)."),
    };

    /// <summary>Reads <c>--name value</c> pairs; a scenario preset fills what is not given.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var index = 0; index < args.Count; index += 2)
        {
            if (!args[index].StartsWith("--", StringComparison.Ordinal) || index + 1 >= args.Count)
            {
                throw new ArgumentException($"Expected --name value pairs, got '{args[index]}'.");
            }
            given[args[index][2..]] = args[index + 1];
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var scenario = given.GetValueOrDefault("scenario", "custom");
        if (scenario != "custom")
        {
            foreach (var (key, value) in Preset(scenario))
            {
                values[key] = value;
            }
        }
        foreach (var (key, value) in given)
        {
            values[key] = value;
        }

        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");
        int Int(string name, int fallback) => values.TryGetValue(name, out var value) ? Positive(name, int.Parse(value, CultureInfo.InvariantCulture)) : fallback;
        double Double(string name, double fallback) => values.TryGetValue(name, out var value) ? Positive(name, double.Parse(value, CultureInfo.InvariantCulture)) : fallback;

        var known = new HashSet<string>(StringComparer.Ordinal)
        {
            "scenario", "identity", "documents", "gateways", "admin", "admin-password", "users", "groups", "roots", "connections-per-user",
            "broadcast", "rate", "seconds", "drain", "quiet", "warmup", "connect-concurrency", "pids", "json", "run-id",
        };
        if (values.Keys.FirstOrDefault(key => !known.Contains(key)) is { } unknown)
        {
            throw new ArgumentException($"Unknown option --{unknown}.");
        }

        var options = new LoadOptions
        {
            Scenario = scenario,
            Identity = new Uri(Required("identity")),
            DocumentsApi = new Uri(Required("documents")),
            Gateways = Required("gateways").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(url => new Uri(url)).ToList(),
            AdminUsername = values.GetValueOrDefault("admin", "alice"),
            AdminPassword = values.GetValueOrDefault("admin-password", "roomcast-demo"),
            Users = Int("users", 1000),
            Groups = Int("groups", 50),
            Roots = Int("roots", 200),
            ConnectionsPerUser = Int("connections-per-user", 1),
            Broadcast = values.TryGetValue("broadcast", out var broadcast) && bool.Parse(broadcast),
            Rate = Double("rate", 200),
            Seconds = Double("seconds", 20),
            DrainSeconds = Double("drain", 15),
            QuietSeconds = Double("quiet", 300),
            WarmupSeconds = values.TryGetValue("warmup", out var warmup) ? NonNegative("warmup", double.Parse(warmup, CultureInfo.InvariantCulture)) : DefaultWarmupSeconds,
            ConnectConcurrency = Int("connect-concurrency", 64),
            ServicePids = values.TryGetValue("pids", out var pids) ? ParsePids(pids) : [],
            JsonFile = values.GetValueOrDefault("json"),
        };
        if (values.TryGetValue("run-id", out var runId))
        {
            options = options with { RunId = runId };
        }
        if (options.Gateways.Count == 0)
        {
            throw new ArgumentException("--gateways needs at least one address.");
        }
        if (options.Groups > options.Users)
        {
            throw new ArgumentException("--groups cannot exceed --users: every group needs a member.");
        }
        return options;
    }

    private static T NonNegative<T>(string name, T value) where T : System.Numerics.INumber<T> =>
        value >= T.Zero ? value : throw new ArgumentException($"--{name} cannot be negative.");

    private static T Positive<T>(string name, T value) where T : System.Numerics.INumber<T> =>
        value > T.Zero ? value : throw new ArgumentException($"--{name} must be positive.");

    private static List<WatchedProcess> ParsePids(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(pair => pair.Length == 2 && int.TryParse(pair[1].TrimEnd('+'), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
                ? new WatchedProcess(pair[0], pid, Tree: pair[1].EndsWith('+'))
                : throw new ArgumentException($"--pids takes name=pid or name=pid+ (with its children), separated by commas; got '{string.Join('=', pair)}'."))
            .ToList();
}
