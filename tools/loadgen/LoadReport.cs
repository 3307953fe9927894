using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Roomcast.LoadGen;

/// <summary>The figures of one run, printed for people and written as JSON for tools.</summary>
public sealed record LoadReport(
    string Scenario, string RunId, int Users, int Groups, int Roots, bool Broadcast, int Connections, int Gateways,
    double ConnectSeconds, double ConnectsPerSecond, double Rate, double DriveSeconds, double MaxLateMs,
    int UpdatesSent, int UpdatesFailed, IReadOnlyDictionary<string, int> HttpErrors,
    long Expected, long Delivered, long Missing, long Unexpected, long Duplicated, long DeliveredOfFailedUpdates,
    double DeliveriesPerSecond, double LatencyP50Ms, double LatencyP95Ms, double LatencyP99Ms, double LatencyMaxMs,
    double HttpP50Ms, double HttpP99Ms, double HttpMaxMs,
    IReadOnlyList<GatewayLatency> LatencyByGateway,
    IReadOnlyList<SecondLatency> LatencyBySecond,
    IReadOnlyList<ServiceReport> Services)
{
    /// <summary>How many of the drive's first seconds the text shows one by one (the JSON has them all).</summary>
    private const int SecondsShown = 10;

    /// <summary>CPU of the services and their servers per update sent, in ms: everything but the generator.</summary>
    public double ServerCpuMsPerUpdate => Services.Where(service => service.Name != LoadReport.GeneratorName).Sum(service => service.CpuMsPerUpdate);

    public const string GeneratorName = "generator";

    /// <param name="gatewayOfConnection">Which gateway (0-based, in <see cref="LoadOptions.Gateways"/> order) each connection is on.</param>
    public static LoadReport From(LoadOptions options, double connectSeconds, DriveSummary drive, DeliverySummary deliveries, IReadOnlyList<int> gatewayOfConnection, IReadOnlyList<ServiceReport> services)
    {
        var sorted = deliveries.LatenciesMs.Order().ToArray();
        double Percentile(double p) => PercentileOf(sorted, p);
        var http = drive.HttpLatenciesMs;
        // The consuming gateway delivers to its own connections; the others get each event one backplane hop later.
        var byGateway = Enumerable.Range(0, options.Gateways.Count).Select(gateway =>
        {
            var own = deliveries.LatenciesMs.Where((_, i) => gatewayOfConnection[deliveries.LatencyConnections[i]] == gateway).Order().ToArray();
            return new GatewayLatency(gateway + 1, own.Length, PercentileOf(own, 0.50), PercentileOf(own, 0.99), own.Length == 0 ? double.NaN : own[^1]);
        }).ToList();
        // Update n is due n / rate seconds into the drive: its second is when it was sent, which shows how
        // long services started cold take to reach the latency they hold once warm.
        var bySecond = deliveries.LatenciesMs.Select((latency, i) => (Second: (int)(deliveries.LatencyUpdates[i] / options.Rate), Latency: latency))
            .GroupBy(item => item.Second).OrderBy(group => group.Key)
            .Select(group =>
            {
                var own = group.Select(item => item.Latency).Order().ToArray();
                return new SecondLatency(group.Key + 1, own.Length, PercentileOf(own, 0.50), PercentileOf(own, 0.99), own[^1]);
            }).ToList();
        return new LoadReport(
            options.Scenario, options.RunId, options.Users, options.Groups, options.Roots, options.Broadcast, options.Connections, options.Gateways.Count,
            connectSeconds, options.Connections / connectSeconds, options.Rate, drive.Seconds, drive.MaxLateMs,
            deliveries.UpdatesSent, deliveries.UpdatesFailed, drive.HttpErrors,
            deliveries.Expected, deliveries.Delivered, deliveries.Missing, deliveries.Unexpected, deliveries.Duplicated, deliveries.DeliveredOfFailedUpdates,
            // Over the whole delivery window: deliveries that trail the last update still took time.
            deliveries.Delivered / Math.Max(drive.Seconds, deliveries.FirstSendToLastReceiptSeconds), Percentile(0.50), Percentile(0.95), Percentile(0.99), sorted.Length == 0 ? double.NaN : sorted[^1],
            PercentileOf(http, 0.50), PercentileOf(http, 0.99), http.Count == 0 ? double.NaN : http[^1],
            byGateway, bySecond, services);
    }

    private static double PercentileOf(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## loadgen scenario {Scenario} (run {RunId})");
        text.AppendLine(CultureInfo.InvariantCulture, $"world: {Users} users in {Groups} groups, {Roots} roots{(Broadcast ? " shared with everyone" : ", each read by one group")}; {Connections} connections over {Gateways} gateway(s), opened in {ConnectSeconds:0.0} s ({ConnectsPerSecond:0}/s)");
        text.AppendLine(CultureInfo.InvariantCulture, $"updates: {UpdatesSent} sent at {Rate:0}/s over {DriveSeconds:0.0} s (driver at most {MaxLateMs:0.0} ms late), {UpdatesFailed} failed{(HttpErrors.Count == 0 ? "" : " (" + string.Join(", ", HttpErrors.Select(error => $"{error.Key}: {error.Value}")) + ")")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"deliveries: expected {Expected}, delivered {Delivered}, missing {Missing}, unexpected {Unexpected}, duplicated {Duplicated}{(DeliveredOfFailedUpdates > 0 ? $", of failed updates {DeliveredOfFailedUpdates}" : "")}; {DeliveriesPerSecond:0} deliveries/s (first send to last receipt)");
        text.AppendLine(CultureInfo.InvariantCulture, $"latency HTTP send → client receipt: p50 {LatencyP50Ms:0.0} ms, p95 {LatencyP95Ms:0.0} ms, p99 {LatencyP99Ms:0.0} ms, max {LatencyMaxMs:0.0} ms");
        text.AppendLine(CultureInfo.InvariantCulture, $"of which the update's HTTP request, send → answer: p50 {HttpP50Ms:0.0} ms, p99 {HttpP99Ms:0.0} ms, max {HttpMaxMs:0.0} ms");
        if (LatencyByGateway.Count > 1)
        {
            text.AppendLine("by the receiving connection's gateway: " + string.Join("; ", LatencyByGateway.Select(gateway =>
                string.Create(CultureInfo.InvariantCulture, $"gateway-{gateway.Gateway} ({gateway.Deliveries} deliveries) p50 {gateway.P50Ms:0.0} ms, p99 {gateway.P99Ms:0.0} ms, max {gateway.MaxMs:0.0} ms"))));
        }
        if (LatencyBySecond.Count > 0)
        {
            text.AppendLine("by the second of the drive the update was sent in (p50 / p99 ms): " + string.Join("; ", LatencyBySecond.Take(SecondsShown).Select(second =>
                string.Create(CultureInfo.InvariantCulture, $"{second.Second}: {second.P50Ms:0.0} / {second.P99Ms:0.0}"))) + (LatencyBySecond.Count > SecondsShown ? "; …" : ""));
        }
        foreach (var service in Services)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"process {service.Name} (pid {service.Pid}): {service.CpuSecondsDuringDrive:0.00} s CPU while driving ({service.CoresDuringDrive:0.00} cores), {service.CpuMsPerUpdate:0.00} ms per update, peak RSS {service.PeakRssMiB:0.0} MiB");
        }
        if (Services.Any(service => service.Name != GeneratorName))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"CPU per update of the services and servers watched (all but the generator): {ServerCpuMsPerUpdate:0.00} ms");
        }
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
}

/// <summary>Latency of the deliveries to the connections of one gateway (1-based, as the services are named).</summary>
public sealed record GatewayLatency(int Gateway, int Deliveries, double P50Ms, double P99Ms, double MaxMs);

/// <summary>Latency of the updates sent in one second of the drive (1-based).</summary>
public sealed record SecondLatency(int Second, int Deliveries, double P50Ms, double P99Ms, double MaxMs);

/// <summary>One watched process (a service, a server with its children, or the generator) over the drive phase.</summary>
public sealed record ServiceReport(string Name, int Pid, double CpuSecondsDuringDrive, double CoresDuringDrive, double CpuMsPerUpdate, double PeakRssMiB);
