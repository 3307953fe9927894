using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Xunit;

namespace Roomcast.EndToEndTests.Clients;

/// <summary>
/// The demo in a real browser: identity, documents-api and two gateway instances, the demo server
/// (<c>clients/demo/server.mjs</c>) in front of them, and every scenario of
/// <c>clients/browser-tests/scenarios.mjs</c> run once in one Chromium. Each test reads its
/// scenario's result. Screenshots of failures are kept under <see cref="OutputDirectory"/>.
/// </summary>
public sealed class BrowserScenarios : RoomcastStack, IAsyncLifetime
{
    private static readonly TimeSpan DemoStartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ScenariosTimeout = TimeSpan.FromMinutes(4);
    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";
    private Process? _demo;
    private readonly List<string> _demoOutput = [];

    /// <summary>Where the scenarios' screenshots of failures and results.json go: TestResults/browser at the repository root.</summary>
    public static string OutputDirectory { get; } = Path.Combine(RepositoryLayout.Root, "TestResults", "browser");

    /// <summary>Everything the scenario run printed (one line per scenario, its error and screenshots when it failed).</summary>
    public string Output { get; private set; } = "";

    public int ExitCode { get; private set; } = -1;

    public TimeSpan Elapsed { get; private set; }

    protected override int GatewayCount => 2;

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.FromEnvironment().Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
    };

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        // Two users who may both write the plan: bob (its creator) lets carol write too.
        using (var asBob = DocumentsClient(await LoginAsync(World.Bob)))
        {
            using var granted = await asBob.PutAsJsonAsync($"/api/v1/roots/{World.PlanRoot}/permissions/users/{World.Carol}", new { access = "RW" });
            granted.EnsureSuccessStatusCode();
        }

        var demoUrl = await StartDemoAsync();
        await RunScenariosAsync(demoUrl);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_demo is not null)
        {
            if (!_demo.HasExited)
            {
                _demo.Kill(entireProcessTree: true);
            }

            await _demo.WaitForExitAsync();
            _demo.Dispose();
        }

        await DisposeAsync();
    }

    /// <summary>The result of one scenario: passed, or why not (with the run's output and the demo server's).</summary>
    public (bool Passed, string Report) ResultOf(string scenario)
    {
        var resultsFile = Path.Combine(OutputDirectory, "results.json");
        var report = $"{Output}{Environment.NewLine}[demo server]{Environment.NewLine}{string.Join(Environment.NewLine, DemoOutput())}";
        if (!File.Exists(resultsFile))
        {
            return (false, $"the scenarios ended with exit code {ExitCode} and wrote no results:{Environment.NewLine}{report}");
        }

        using var results = JsonDocument.Parse(File.ReadAllText(resultsFile));
        return results.RootElement.TryGetProperty(scenario, out var result) && result.GetProperty("passed").GetBoolean()
            ? (true, report)
            : (false, $"scenario {scenario} did not pass (exit code {ExitCode}):{Environment.NewLine}{report}");
    }

    private string[] DemoOutput()
    {
        lock (_demoOutput)
        {
            return [.. _demoOutput];
        }
    }

    private async Task<string> StartDemoAsync()
    {
        var server = Path.Combine(RepositoryLayout.Root, "clients", "demo", "server.mjs");
        if (!File.Exists(Path.Combine(RepositoryLayout.Root, "clients", "demo", "dist", "index.html")))
        {
            throw new InvalidOperationException("The demo is not built: scripts/test.sh builds it (or run `npm ci && npm run build` in clients/).");
        }

        var start = new ProcessStartInfo("node", [server])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ROOMCAST_DEMO_PORT"] = "0";
        start.Environment["ROOMCAST_IDENTITY_URL"] = Identity.BaseAddress.ToString();
        start.Environment["ROOMCAST_DOCUMENTS_URL"] = Documents.BaseAddress.ToString();
        start.Environment["ROOMCAST_GATEWAY_URLS"] = string.Join(",", Gateways.Select(gateway => gateway.BaseAddress.ToString()));
        _demo = Process.Start(start) ?? throw new InvalidOperationException("Could not start the demo server.");
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Record(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_demoOutput)
            {
                _demoOutput.Add(line);
            }

            if (line.StartsWith("demo listening on ", StringComparison.Ordinal))
            {
                listening.TrySetResult(line["demo listening on ".Length..].Trim());
            }
        }

        _demo.OutputDataReceived += (_, line) => Record(line.Data);
        _demo.ErrorDataReceived += (_, line) => Record(line.Data);
        _demo.BeginOutputReadLine();
        _demo.BeginErrorReadLine();
        _demo.EnableRaisingEvents = true;
        _demo.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"The demo server exited:{Environment.NewLine}{string.Join(Environment.NewLine, DemoOutput())}"));
        return await listening.Task.WaitAsync(DemoStartTimeout);
    }

    private async Task RunScenariosAsync(string demoUrl)
    {
        if (Directory.Exists(OutputDirectory))
        {
            Directory.Delete(OutputDirectory, recursive: true);
        }

        var world = JsonSerializer.Serialize(new
        {
            password = DemoWorld.Password,
            users = new { alice = World.Alice, bob = World.Bob, carol = World.Carol, dave = World.Dave },
            planRoot = World.PlanRoot,
            planDocument = World.PlanDocument,
            noticeRoot = World.NoticeRoot,
            noticeDocument = World.NoticeDocument,
        });
        var clock = Stopwatch.StartNew();
        (ExitCode, Output) = await NodeRun.RunAsync(
            Path.Combine(RepositoryLayout.Root, "clients", "browser-tests", "scenarios.mjs"),
            new Dictionary<string, string>
            {
                ["ROOMCAST_DEMO_URL"] = demoUrl,
                ["ROOMCAST_WORLD"] = world,
                ["ROOMCAST_BROWSER_OUTPUT"] = OutputDirectory,
            },
            ScenariosTimeout);
        Elapsed = clock.Elapsed;
    }
}

/// <summary>Runs a Node script with settings in its environment, for a bounded time, and keeps what it printed.</summary>
internal static class NodeRun
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("node", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var output = new List<string>();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start node {script}.");
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) lock (output) output.Add(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) lock (output) output.Add(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output)
            {
                output.Add($"[killed: node {Path.GetFileName(script)} did not finish within {timeout.TotalSeconds} s]");
            }
        }

        // The last lines are read once the process is gone.
        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, string.Join(Environment.NewLine, output));
        }
    }
}
