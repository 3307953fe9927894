using System.Reflection;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Roomcast.UnitTests.Deployment;

/// <summary>A Roomcast service as the deployment files know it: image, Dockerfile, project, assembly.</summary>
internal sealed record RoomcastService(string Name, string Project, Assembly Assembly, IReadOnlyDictionary<string, string> Switches)
{
    public static IReadOnlyList<RoomcastService> All { get; } =
    [
        new("identity", "services/identity/src/Roomcast.Identity.csproj", typeof(Roomcast.Identity.IdentityOptions).Assembly, new Dictionary<string, string>()),
        new("documents-api", "services/documents-api/src/Roomcast.DocumentsApi.csproj", typeof(Roomcast.DocumentsApi.DocumentsOptions).Assembly, new Dictionary<string, string>()),
        // Redis__Endpoint switches the backplane on, and with it the options only a scaled-out gateway reads.
        new("realtime-gateway", "services/realtime-gateway/src/Roomcast.RealtimeGateway.csproj", typeof(Roomcast.RealtimeGateway.GatewayOptions).Assembly,
            new Dictionary<string, string> { ["Redis:Endpoint"] = "127.0.0.1:1" }),
    ];

    /// <summary>The image repository, without registry or tag; an overlay may move it to a registry.</summary>
    public string Image => $"roomcast/{Name}";

    public string Dockerfile => $"services/{Name}/Dockerfile";

    public static RoomcastService? OfImage(string image) =>
        All.SingleOrDefault(service => ImageRepository(image) == service.Image);

    public static string ImageRepository(string image) => image.Split(':')[0];

    public override string ToString() => Name;
}

internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>Every document of a YAML file, as mappings.</summary>
    public static IReadOnlyList<YamlMappingNode> Yaml(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(Read(relative));
        stream.Load(reader);
        return stream.Documents.Select(document => document.RootNode).OfType<YamlMappingNode>().ToList();
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Roomcast.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("Could not find Roomcast.slnx above the test assembly.");
    }
}

internal static class Yaml
{
    public static YamlNode? At(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out node))
            {
                return null;
            }
        }

        return node;
    }

    public static string? Text(this YamlNode? node, params string[] path) => (node.At(path) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlSequenceNode sequence ? sequence.Children : [];

    public static IEnumerable<KeyValuePair<string, YamlNode>> Entries(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlMappingNode mapping
            ? mapping.Children.Select(entry => KeyValuePair.Create(((YamlScalarNode)entry.Key).Value!, entry.Value))
            : [];
}

/// <summary>A service's Dockerfile, read as the instructions that matter to a deployment.</summary>
internal sealed partial record Dockerfile(IReadOnlyList<(string Instruction, string Arguments)> Instructions)
{
    public static Dockerfile Of(RoomcastService service)
    {
        // Continuation lines join their instruction; comments go.
        var joined = Repository.Read(service.Dockerfile).Replace("\\\n", " ");
        var instructions = joined.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(' ', 2))
            .Select(parts => (parts[0].ToUpperInvariant(), parts.Length > 1 ? parts[1].Trim() : ""))
            .ToList();
        return new Dockerfile(instructions);
    }

    public IEnumerable<string> Arguments(string instruction) =>
        Instructions.Where(entry => entry.Instruction == instruction).Select(entry => entry.Arguments);

    public IReadOnlySet<int> Exposed =>
        Arguments("EXPOSE").SelectMany(ports => ports.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToHashSet();

    /// <summary>Every <c>ENV</c> variable with its value (the <c>key=value</c> form, quotes removed).</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        Arguments("ENV")
            .SelectMany(arguments => EnvPair().Matches(arguments))
            .ToDictionary(match => match.Groups["key"].Value, match => match.Groups["value"].Value.Trim('"'));

    [GeneratedRegex("""(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>"[^"]*"|\S+)""")]
    private static partial Regex EnvPair();
}
