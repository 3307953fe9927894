using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Telemetry;

/// <summary>
/// What Prometheus scrapes: each service answers <c>/metrics</c> on its management port (never on
/// the port it serves clients on), with its own <c>roomcast_*</c> instruments and ASP.NET Core's.
/// </summary>
public sealed class MetricsExportTests(MetricsExportTests.Stack stack) : IClassFixture<MetricsExportTests.Stack>, IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AGatewayCountsADeliveryInTheMetricsItExportsOnItsMetricsPortOnly()
    {
        using var http = new HttpClient();
        var scrape = new Uri($"http://127.0.0.1:{stack.GatewayMetricsPort}/metrics");
        var before = ConsumedEvents(await http.GetStringAsync(scrape));

        (await http.GetAsync(new Uri(stack.Gateway.BaseAddress, "/metrics"))).StatusCode.ShouldBe(HttpStatusCode.NotFound, "the public port serves the metrics");

        var reader = await stack.ConnectAsync(await stack.LoginAsync(stack.World.Carol));
        _connections.Add(reader);
        var inbox = new ClientInbox(reader, "carol");
        using var bob = stack.DocumentsClient(await stack.LoginAsync(stack.World.Bob));
        (await bob.PutAsJsonAsync($"/api/v1/documents/{stack.World.PlanDocument}", new { data = new { text = "measured" } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        (await inbox.NextAsync()).Id.ShouldBe(stack.World.PlanDocument);

        var text = "";
        await Poll.UntilAsync(
            async () => ConsumedEvents(text = await http.GetStringAsync(scrape)) > before,
            "the gateway's delivery histogram counting the consumed event",
            context: () => text);
        text.ShouldContain("http_server_request_duration_seconds", customMessage: "ASP.NET Core's instruments are not exported");
    }

    [Fact]
    public async Task DocumentsApiExportsItsMetricsOnItsMetricsPort()
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{stack.DocumentsMetricsPort}/metrics");
        Regex.IsMatch(text, "^(dotnet|process_runtime_dotnet)_gc_", RegexOptions.Multiline).ShouldBeTrue("the runtime's instruments are not exported");
        (await http.GetAsync(new Uri(stack.Documents.BaseAddress, "/metrics"))).StatusCode.ShouldBe(HttpStatusCode.NotFound, "the public port serves the metrics");
    }

    /// <summary>How many events the gateway's consume stage has timed (a histogram's count).</summary>
    private static long ConsumedEvents(string scrape)
    {
        var line = Regex.Match(scrape, @"^roomcast_gateway_delivery_stage_duration\w*_count\{[^}]*stage=""consume""[^}]*\} (?<count>\d+)", RegexOptions.Multiline);
        return line.Success ? long.Parse(line.Groups["count"].Value) : 0;
    }

    public sealed class Stack : RoomcastStack
    {
        public int GatewayMetricsPort { get; } = FreePort.Next();

        public int DocumentsMetricsPort { get; } = FreePort.Next();

        protected override Dictionary<string, string> GatewaySettings => new() { ["Metrics__Port"] = GatewayMetricsPort.ToString() };

        protected override Dictionary<string, string> DocumentsSettings => new() { ["Metrics__Port"] = DocumentsMetricsPort.ToString() };
    }
}
