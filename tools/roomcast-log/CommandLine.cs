namespace Roomcast.LogTool;

/// <summary>
/// The words of a command line: positional arguments in order, <c>--name value</c> options and
/// <c>--flag</c> switches (and <c>-f</c> for <c>--follow</c>). Which options take a value is stated
/// once here, so an unknown option or a missing value is refused before anything runs.
/// </summary>
public sealed class CommandLine
{
    private static readonly HashSet<string> Valued =
    [
        "identity", "documents", "gateway", "token", "admin", "admin-password", "user", "service", "type", "record-type", "record", "actor",
        "room", "from", "to", "after", "before", "limit", "interval", "max-events", "queue", "pace",
        "to-connection", "to-user",
    ];

    private static readonly HashSet<string> Switches = ["json", "follow", "payload", "all", "help", "quiet"];

    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _switches = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var line = new CommandLine();
        for (var index = 0; index < args.Count; index++)
        {
            var word = args[index];
            var name = word switch
            {
                "-f" => "follow",
                "-h" => "help",
                _ when word.StartsWith("--", StringComparison.Ordinal) => word[2..],
                _ => null,
            };
            if (name is null)
            {
                line.Positional.Add(word);
            }
            else if (Switches.Contains(name))
            {
                line._switches.Add(name);
            }
            else if (Valued.Contains(name))
            {
                if (index + 1 >= args.Count)
                {
                    throw new ToolError($"--{name} needs a value.", ToolError.Usage);
                }

                line._options[name] = args[++index];
            }
            else
            {
                throw new ToolError($"Unknown option {word}; see roomcast-log --help.", ToolError.Usage);
            }
        }

        return line;
    }

    public bool Has(string flag) => _switches.Contains(flag);

    public string? Option(string name) => _options.GetValueOrDefault(name);

    /// <summary>The option, else the environment variable, else null.</summary>
    public string? OptionOrEnvironment(string name, string variable) =>
        Option(name) ?? (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null);

    public Guid? GuidOption(string name) => Option(name) is { } text
        ? Guid.TryParse(text, out var id) ? id : throw new ToolError($"--{name} must be a UUID, not '{text}'.", ToolError.Usage)
        : null;

    public long? NumberOption(string name, long min, long max) => Option(name) is { } text
        ? long.TryParse(text, out var number) && number >= min && number <= max
            ? number
            : throw new ToolError($"--{name} must be a whole number from {min} to {max}, not '{text}'.", ToolError.Usage)
        : null;

    public DateTimeOffset? TimeOption(string name) => Option(name) is { } text
        ? DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new ToolError($"--{name} must be a time such as 2026-12-07T10:00:00Z, not '{text}'.", ToolError.Usage)
        : null;
}
