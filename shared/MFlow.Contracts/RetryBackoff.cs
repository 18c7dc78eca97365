namespace MFlow.Contracts;

/// <summary>
/// How long a failed task waits before its next attempt: <see cref="DelaySeconds"/> before the first
/// retry, multiplied by <see cref="Factor"/> for each later one, never more than <see cref="MaxDelaySeconds"/>.
/// </summary>
public sealed record RetryBackoff
{
    /// <summary>The default: 10 s, doubling, at most 5 minutes.</summary>
    public static RetryBackoff Default { get; } = new();

    /// <summary>The wait before the first retry, in seconds.</summary>
    public double DelaySeconds { get; init; } = 10;

    /// <summary>What each wait is multiplied by for the next retry (1: a fixed delay).</summary>
    public double Factor { get; init; } = 2;

    /// <summary>The longest wait, in seconds.</summary>
    public double MaxDelaySeconds { get; init; } = 300;

    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first).</summary>
    public TimeSpan Before(int retry)
    {
        var seconds = DelaySeconds * Math.Pow(Factor, Math.Max(0, retry - 1));
        return TimeSpan.FromSeconds(double.IsFinite(seconds) ? Math.Clamp(seconds, 0, MaxDelaySeconds) : MaxDelaySeconds);
    }
}
