using System.Text.RegularExpressions;
using Roomcast.UnitTests.Deployment;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Architecture;

/// <summary>
/// A service's feature folders import each other without a loop: when two folders need each other,
/// one of them is two things, or the piece they share belongs in a third folder both use.
/// Namespaces follow folders, so a folder imports another by naming its namespace
/// (a using, a using static, an alias or a fully qualified name).
/// </summary>
public sealed class FolderImportTests
{
    public static TheoryData<string, string> Services => new()
    {
        { "services/identity/src", "Roomcast.Identity" },
        { "services/documents-api/src", "Roomcast.DocumentsApi" },
        { "services/realtime-gateway/src", "Roomcast.RealtimeGateway" },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public void FeatureFoldersDoNotImportEachOtherInALoop(string source, string rootNamespace)
    {
        var graph = FolderGraph(Repository.PathOf(source), rootNamespace);

        var cycles = Cycles(graph).Select(cycle => string.Join(" -> ", cycle.Append(cycle[0]))).ToList();

        cycles.ShouldBeEmpty($"{rootNamespace} folders import each other in a loop:\n{string.Join("\n", cycles)}\n" +
            $"edges in those loops:\n{string.Join("\n", LoopEdges(graph))}");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void EveryFolderNamespaceFollowsItsFolder(string source, string rootNamespace)
    {
        var root = Repository.PathOf(source);
        var misplaced = SourceFiles(root)
            .Select(file => (File: Path.GetRelativePath(root, file), Namespace: NamespaceOf(File.ReadAllText(file))))
            .Where(file => file.Namespace is not null && file.Namespace != ExpectedNamespace(rootNamespace, file.File))
            .Select(file => $"{file.File}: {file.Namespace}")
            .ToList();

        misplaced.ShouldBeEmpty();
    }

    private static Dictionary<string, SortedSet<string>> FolderGraph(string root, string rootNamespace)
    {
        var folders = Directory.GetDirectories(root)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(folder => SourceFiles(Path.Combine(root, folder)).Any())
            .ToHashSet();
        var reference = new Regex($@"\b{Regex.Escape(rootNamespace)}\.(\w+)\b");
        var graph = folders.ToDictionary(folder => folder, _ => new SortedSet<string>(StringComparer.Ordinal));
        foreach (var folder in folders)
        {
            foreach (var file in SourceFiles(Path.Combine(root, folder)))
            {
                foreach (Match match in reference.Matches(WithoutComments(File.ReadAllText(file))))
                {
                    var imported = match.Groups[1].Value;
                    if (imported != folder && folders.Contains(imported))
                    {
                        graph[folder].Add(imported);
                    }
                }
            }
        }

        return graph;
    }

    /// <summary>Every elementary cycle, each listed once, starting at its smallest folder name.</summary>
    private static List<List<string>> Cycles(Dictionary<string, SortedSet<string>> graph)
    {
        var cycles = new List<List<string>>();
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            var path = new List<string> { start };
            Walk(start);

            void Walk(string folder)
            {
                foreach (var next in graph[folder])
                {
                    if (next == start)
                    {
                        cycles.Add([.. path]);
                    }
                    else if (string.CompareOrdinal(next, start) > 0 && !path.Contains(next))
                    {
                        path.Add(next);
                        Walk(next);
                        path.RemoveAt(path.Count - 1);
                    }
                }
            }
        }

        return cycles;
    }

    /// <summary>The edges that lie on some loop: the ones a fix has to remove or reroute.</summary>
    private static IEnumerable<string> LoopEdges(Dictionary<string, SortedSet<string>> graph) =>
        graph.SelectMany(node => node.Value
                .Where(target => Reaches(graph, target, node.Key))
                .Select(target => $"{node.Key} -> {target}"))
            .Order(StringComparer.Ordinal);

    private static bool Reaches(Dictionary<string, SortedSet<string>> graph, string from, string to)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([from]);
        while (pending.TryPop(out var folder))
        {
            if (folder == to)
            {
                return true;
            }

            if (seen.Add(folder))
            {
                foreach (var next in graph[folder])
                {
                    pending.Push(next);
                }
            }
        }

        return false;
    }

    private static IEnumerable<string> SourceFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "Migrations"));

    private static string ExpectedNamespace(string rootNamespace, string relativeFile)
    {
        var folder = Path.GetDirectoryName(relativeFile);
        return string.IsNullOrEmpty(folder) ? rootNamespace : $"{rootNamespace}.{folder.Replace(Path.DirectorySeparatorChar, '.')}";
    }

    /// <summary>The file-scoped namespace, or null for a file of top-level statements (Program.cs).</summary>
    private static string? NamespaceOf(string code) =>
        Regex.Match(code, @"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline) is { Success: true } match ? match.Groups[1].Value : null;

    private static string WithoutComments(string code) =>
        Regex.Replace(code, @"//[^\n]*|/\*.*?\*/", "", RegexOptions.Singleline);
}
