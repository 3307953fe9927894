namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>Finds the services' build output beside this test assembly (same configuration).</summary>
internal static class RepositoryLayout
{
    private static readonly Dictionary<string, string> ServiceFolders = new()
    {
        ["Roomcast.Identity"] = "services/identity/src",
        ["Roomcast.DocumentsApi"] = "services/documents-api/src",
        ["Roomcast.RealtimeGateway"] = "services/realtime-gateway/src",
        ["Roomcast.LoadGen"] = "tools/loadgen",
        ["Roomcast.LogTool"] = "tools/roomcast-log",
    };

    public static string Root { get; } = FindRoot();

    public static string ServiceAssembly(string assemblyName)
    {
        // tests/Roomcast.EndToEndTests/bin/<Configuration>/<tfm>/ → the same <Configuration>/<tfm> of the service.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent!.Name;
        var path = Path.Combine(Root, ServiceFolders[assemblyName], "bin", configuration, output.Name, assemblyName + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{assemblyName} is not built at {path}; build the solution first.", path);
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
