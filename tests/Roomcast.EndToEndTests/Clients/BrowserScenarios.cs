using System.Diagnostics;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
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
    private const string DemoListening = "demo listening on ";
    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";
    private NodeScript? _demo;

    /// <summary>Where the scenarios' screenshots of failures and results.json go: TestResults/browser at the repository root.</summary>
    public static string OutputDirectory { get; } = Path.Combine(RepositoryLayout.Root, "TestResults", "browser");

    /// <summary>Everything the scenario run printed (one line per scenario, its error and screenshots when it failed).</summary>
    public string Output { get; private set; } = "";

    /// <summary>Why the run did not end well (a scenario failed, or the run was killed at its time limit).</summary>
    public string? Failure { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    protected override int GatewayCount => 2;

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.Current.Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
    };

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        var demoUrl = await StartDemoAsync();
        await RunScenariosAsync(demoUrl);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_demo is not null)
        {
            await _demo.DisposeAsync();
        }

        await DisposeAsync();
    }

    /// <summary>The result of one scenario: passed, or why not (with the run's output and the demo server's).</summary>
    public (bool Passed, string Report) ResultOf(string scenario)
    {
        var resultsFile = Path.Combine(OutputDirectory, "results.json");
        var report = $"{Output}{Environment.NewLine}[demo server]{Environment.NewLine}{_demo?.Output}";
        if (!File.Exists(resultsFile))
        {
            return (false, $"the scenarios wrote no results: {Failure}{Environment.NewLine}{report}");
        }

        using var results = JsonDocument.Parse(File.ReadAllText(resultsFile));
        return results.RootElement.TryGetProperty(scenario, out var result) && result.GetProperty("passed").GetBoolean()
            ? (true, report)
            : (false, $"scenario {scenario} did not pass:{Environment.NewLine}{report}");
    }

    private async Task<string> StartDemoAsync()
    {
        NodeScript.RequireBuiltClients();
        File.Exists(Path.Combine(RepositoryLayout.Root, "clients", "demo", "dist", "index.html"))
            .ShouldBeTrue($"The demo is not built; run `{NodeScript.BuildCommand}` at the repository root (scripts/test.sh does).");
        _demo = NodeScript.Start("clients/demo/server.mjs", new Dictionary<string, string>
        {
            ["ROOMCAST_DEMO_PORT"] = "0",
            ["ROOMCAST_IDENTITY_URL"] = Identity.BaseAddress.ToString(),
            ["ROOMCAST_DOCUMENTS_URL"] = Documents.BaseAddress.ToString(),
            ["ROOMCAST_GATEWAY_URLS"] = string.Join(",", Gateways.Select(gateway => gateway.BaseAddress.ToString())),
        });
        var listening = await _demo.WaitForLineAsync(DemoListening, DemoStartTimeout);
        return listening[DemoListening.Length..].Trim();
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
        await using var run = NodeScript.Start("clients/browser-tests/scenarios.mjs", new Dictionary<string, string>
        {
            ["ROOMCAST_DEMO_URL"] = demoUrl,
            ["ROOMCAST_WORLD"] = world,
            ["ROOMCAST_BROWSER_OUTPUT"] = OutputDirectory,
        });
        try
        {
            await run.ShouldSucceedAsync(ScenariosTimeout);
        }
        catch (Exception failed) when (failed is ShouldAssertException or TimeoutException)
        {
            // Which scenarios failed, and why, is in results.json and the output: each test reports its own.
            Failure = failed.Message;
        }

        Output = run.Output;
        Elapsed = clock.Elapsed;
    }
}
