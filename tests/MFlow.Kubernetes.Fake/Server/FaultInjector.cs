using MFlow.Kubernetes.Fake.Api;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>Injected failures: the next N requests whose path contains a text answer a given error.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];

    public void Add(int count, int statusCode, TimeSpan? retryAfter, string? pathContains)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        lock (_gate)
        {
            _rules.Add(new Rule(statusCode, retryAfter, pathContains) { Remaining = count });
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>The fault this request must answer with, consuming one use of the first matching rule.</summary>
    public ApiException? TryTake(string pathAndQuery)
    {
        lock (_gate)
        {
            var rule = _rules.FirstOrDefault(rule => rule.PathContains is null || pathAndQuery.Contains(rule.PathContains, StringComparison.Ordinal));
            if (rule is null)
            {
                return null;
            }

            if (--rule.Remaining == 0)
            {
                _rules.Remove(rule);
            }

            return ApiErrors.Fault(rule.StatusCode, rule.RetryAfter);
        }
    }

    private sealed record Rule(int StatusCode, TimeSpan? RetryAfter, string? PathContains)
    {
        public int Remaining { get; set; }
    }
}
