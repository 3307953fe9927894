using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// How long each <see cref="DeliveryStage"/> takes, so a slow delivery can be traced to the stage that
/// holds it: a histogram per stage on meter <see cref="MeterName"/> for dashboards, and the samples of
/// the current interval, which <see cref="DeliveryTimingsLog"/> summarises in the log. An interval keeps
/// at most <see cref="MaxSamplesPerStage"/> samples per stage (the first ones), so memory stays bounded
/// whatever the load.
/// </summary>
public sealed class DeliveryTimings
{
    public const string MeterName = "Roomcast.RealtimeGateway.Delivery";
    public const int MaxSamplesPerStage = 50_000;

    private static readonly DeliveryStage[] Stages = Enum.GetValues<DeliveryStage>();
    private readonly Histogram<double> _histogram;
    private readonly Lock _gate = new();
    private List<double>[] _samples = NewSamples();
    private long _events;

    public DeliveryTimings(IMeterFactory meters)
    {
        _histogram = meters.Create(MeterName).CreateHistogram<double>(
            "roomcast.gateway.delivery.stage.duration", "ms", "How long each stage of an event's delivery took");
    }

    public void Record(DeliveryStage stage, double milliseconds)
    {
        if (double.IsNaN(milliseconds))
        {
            return;
        }
        milliseconds = Math.Max(0, milliseconds);
        _histogram.Record(milliseconds, new KeyValuePair<string, object?>("stage", StageName(stage)));
        lock (_gate)
        {
            var samples = _samples[(int)stage];
            if (samples.Count < MaxSamplesPerStage)
            {
                samples.Add(milliseconds);
            }
            if (stage == DeliveryStage.Consume)
            {
                _events++;
            }
        }
    }

    /// <summary>The summary of the interval since the last call, and a fresh interval; <c>null</c> when no event was consumed meanwhile.</summary>
    public string? TakeSummary()
    {
        List<double>[] samples;
        long events;
        lock (_gate)
        {
            (samples, _samples) = (_samples, NewSamples());
            (events, _events) = (_events, 0);
        }
        if (events == 0)
        {
            return null;
        }

        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{events} events consumed; ms p50/p99/max per stage:");
        foreach (var stage in Stages)
        {
            var values = samples[(int)stage];
            if (values.Count == 0)
            {
                continue;
            }
            values.Sort();
            text.Append(CultureInfo.InvariantCulture, $" {StageName(stage)} {Percentile(values, 0.50):0.##}/{Percentile(values, 0.99):0.##}/{values[^1]:0.##}");
        }
        return text.ToString();
    }

    public static string StageName(DeliveryStage stage) => stage switch
    {
        DeliveryStage.LocalSend => "local-send",
        _ => stage.ToString().ToLowerInvariant(),
    };

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static List<double>[] NewSamples() => Stages.Select(_ => new List<double>()).ToArray();
}
