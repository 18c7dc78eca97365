namespace MFlow.Kubernetes;

/// <summary>
/// Exponential backoff with "equal jitter": half fixed, half random, so clients that failed together
/// (many retries, many watchers that lost the same server) do not come back in lockstep.
/// </summary>
internal static class RetryBackoff
{
    /// <summary>The wait before try <paramref name="attempt"/> + 1: <paramref name="initial"/> doubled per earlier failure, capped at <paramref name="max"/>.</summary>
    public static TimeSpan After(int attempt, TimeSpan initial, TimeSpan max)
    {
        var exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Min(Math.Max(attempt - 1, 0), 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }
}
