namespace MFlow.Benchmarks;

/// <summary>Percentiles of a sample (nearest rank), in milliseconds.</summary>
public sealed record Distribution(int Samples, double P50, double P95, double P99, double Max)
{
    /// <summary>An empty sample: every figure is NaN.</summary>
    public static readonly Distribution Empty = new(0, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>Summarises the values.</summary>
    public static Distribution Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            return Empty;
        double Rank(double percentile) => sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Distribution(sorted.Length, Rank(50), Rank(95), Rank(99), sorted[^1]);
    }
}
