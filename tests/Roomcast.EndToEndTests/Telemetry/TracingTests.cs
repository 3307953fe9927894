using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Telemetry;

/// <summary>
/// What an operator follows a change by: with an OTLP endpoint set, the PUT of a document, the outbox
/// relay's publish, the gateway's consume and its send to the clients are one trace, the gateway's
/// delivery log line names that trace, and the operator metrics of the outbox and the gateway move.
/// </summary>
public sealed class TracingTests(TracingTests.Stack stack) : IClassFixture<TracingTests.Stack>, IAsyncLifetime
{
    private const string DocumentsApi = "Roomcast.DocumentsApi";
    private const string Gateway = "Roomcast.RealtimeGateway";

    private readonly ClientConnections _connections = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task ADocumentChangeIsOneTraceFromItsPutToTheGatewaysSendAndTheOperatorMetricsCountIt()
    {
        var reader = await stack.ConnectAsync(await stack.LoginAsync(stack.World.Carol));
        _connections.Add(reader);
        var inbox = new ClientInbox(reader, "carol");
        using var bob = stack.DocumentsClient(await stack.LoginAsync(stack.World.Bob));
        (await bob.PutAsJsonAsync($"/api/v1/documents/{stack.World.PlanDocument}", new { data = new { text = "traced" } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        (await inbox.NextAsync()).Id.ShouldBe(stack.World.PlanDocument);

        ReceivedSpan? put = null;
        ReceivedSpan? send = null;
        await Poll.UntilAsync(
            () =>
            {
                var spans = stack.Otlp.Spans;
                put = spans.FirstOrDefault(span => span.Service == DocumentsApi && span.Kind == SpanKind.Server && span.Name.StartsWith("PUT ", StringComparison.Ordinal));
                send = put is null ? null : spans.FirstOrDefault(span =>
                    span.Service == Gateway && span.TraceId == put.TraceId && span.Name == $"{ClientEvents.ChangedDocument} deliver");
                // Each service exports its spans in its own batches: the send may arrive before its parents.
                return Task.FromResult(send is not null && ChainToRoot(spans.Where(span => span.TraceId == put!.TraceId).ToList(), send).Last() == put);
            },
            "the gateway's send in the trace of the PUT, with every span between them",
            context: () => string.Join(Environment.NewLine, stack.Otlp.Spans));

        var trace = stack.Otlp.Spans.Where(span => span.TraceId == put!.TraceId).ToList();
        trace.ShouldContain(span => span.Service == DocumentsApi && span.Name == "DocumentChanged publish" && span.Kind == SpanKind.Producer,
            "the relay's publish continues the PUT's trace");
        trace.ShouldContain(span => span.Service == Gateway && span.Kind == SpanKind.Consumer, "MassTransit's consume is in the trace");
        ChainToRoot(trace, send!).Last().ShouldBe(put!, "the send's parents lead back to the PUT");
        stack.Gateway.Output.ShouldContain(put!.TraceId, customMessage: "the gateway's delivery log does not name the trace");
        // StackExchange.Redis's commands come out of its profiler in batches, a while after they ran.
        await Poll.UntilAsync(
            () => Task.FromResult(stack.Otlp.Spans.Any(span => span.Service == Gateway && span.TraceId == put!.TraceId && span.Name is "EVAL" or "EVALSHA")),
            "the history's Redis script in the trace of the PUT",
            context: () => string.Join(Environment.NewLine, stack.Otlp.Spans.Where(span => span.TraceId == put!.TraceId)));

        using var http = new HttpClient();
        var documentsScrape = $"http://127.0.0.1:{stack.DocumentsMetricsPort}/metrics";
        var gatewayScrape = $"http://127.0.0.1:{stack.GatewayMetricsPort}/metrics";
        var text = "";
        await Poll.UntilAsync(
            async () => Value(text = await http.GetStringAsync(documentsScrape), "roomcast_outbox_published") >= 1
                && Value(text, "roomcast_outbox_backlog") is not null,
            "the outbox's publish confirms and backlog in documents-api's metrics",
            context: () => text);
        text = await http.GetStringAsync(gatewayScrape);
        Value(text, "roomcast_gateway_delivery_sent").ShouldNotBeNull(text);
        Value(text, "roomcast_gateway_delivery_sent")!.Value.ShouldBeGreaterThanOrEqualTo(1);
        Value(text, "roomcast_gateway_rooms")!.Value.ShouldBeGreaterThanOrEqualTo(1, "carol's connection is in her rooms");
    }

    /// <summary><paramref name="span"/> and its parents within <paramref name="trace"/>, up to the first whose parent is not there.</summary>
    private static List<ReceivedSpan> ChainToRoot(List<ReceivedSpan> trace, ReceivedSpan span)
    {
        var chain = new List<ReceivedSpan> { span };
        while (trace.FirstOrDefault(parent => parent.SpanId == chain[^1].ParentSpanId) is { } parent)
        {
            chain.Add(parent);
        }

        return chain;
    }

    /// <summary>The first sample of the metric family <paramref name="name"/> in a scrape; null when absent.</summary>
    private static double? Value(string scrape, string name)
    {
        var line = Regex.Match(scrape, $@"^{name}(_total|_seconds)?(\{{[^}}]*\}})? (?<value>\S+)", RegexOptions.Multiline);
        return line.Success ? double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture) : null;
    }

    public sealed class Stack : RoomcastStack, IDisposable
    {
        public OtlpTraceReceiver Otlp { get; } = new();

        public int GatewayMetricsPort { get; } = FreePort.Next();

        public int DocumentsMetricsPort { get; } = FreePort.Next();

        protected override Dictionary<string, string> GatewaySettings => new(Traced)
        {
            ["Metrics__Port"] = GatewayMetricsPort.ToString(CultureInfo.InvariantCulture),
            // The JSON log with its scopes, and the delivery's Debug line, which carries the trace id.
            ["Logging__Console__FormatterName"] = "json",
            ["Logging__LogLevel__Roomcast.RealtimeGateway.Delivery.AudienceDelivery"] = "Debug",
            // With Redis, so its commands (the history's append) are in the trace too.
            ["Redis__Endpoint"] = TestStackSettings.Current.Redis,
            ["Redis__ChannelPrefix"] = $"e2e-traced-{Guid.NewGuid():N}",
        };

        protected override Dictionary<string, string> DocumentsSettings => new(Traced)
        {
            ["Metrics__Port"] = DocumentsMetricsPort.ToString(CultureInfo.InvariantCulture),
        };

        private Dictionary<string, string> Traced => new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Otlp.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Spans leave in batches every 5 s by default; a test need not wait that long.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };

        public void Dispose() => Otlp.Dispose();
    }
}
