namespace Roomcast.Bench;

/// <summary>The distribution of a set of milliseconds, by the nearest-rank method (every value reported was observed).</summary>
public sealed record Percentiles(int Count, double P50, double P95, double P99, double Max)
{
    public static readonly Percentiles Empty = new(0, double.NaN, double.NaN, double.NaN, double.NaN);

    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.ToArray();
        if (sorted.Length == 0)
        {
            return Empty;
        }

        Array.Sort(sorted);
        return new Percentiles(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.95), Rank(sorted, 0.99), sorted[^1]);
    }

    /// <summary>The value at <paramref name="quantile"/> of values sorted ascending, by the nearest-rank method.</summary>
    public static double Rank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
