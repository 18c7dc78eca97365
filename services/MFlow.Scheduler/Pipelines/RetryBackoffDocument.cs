using MFlow.Contracts;
using MFlow.Documents;

namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// A task's <c>retryBackoff</c>: <c>{ delay: 10s, factor: 2, maxDelay: 5m }</c>, durations as
/// <see cref="DurationText"/> reads them. Each field is optional; the defaults are <see cref="Contracts.RetryBackoff.Default"/>'s.
/// </summary>
public sealed class RetryBackoffDocument
{
    /// <summary>The longest wait a backoff may ask for.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    /// <summary>The largest factor.</summary>
    public const double MaxFactor = 10;

    /// <summary>The wait before the first retry.</summary>
    public string? Delay { get; set; }

    /// <summary>What each wait is multiplied by for the next retry (1 to 10).</summary>
    public double? Factor { get; set; }

    /// <summary>The longest wait.</summary>
    public string? MaxDelay { get; set; }

    /// <summary>Checks the fields, naming each under <paramref name="path"/>.</summary>
    public void Check(ValidationErrors errors, string path)
    {
        var delay = Read(errors, $"{path}.delay", Delay);
        var max = Read(errors, $"{path}.maxDelay", MaxDelay);
        if (Factor is { } factor && (!double.IsFinite(factor) || factor < 1 || factor > MaxFactor))
            errors.Add($"{path}.factor", $"The factor must be from 1 to {MaxFactor}.");
        if (delay is { } d && max is { } m && m < d)
            errors.Add($"{path}.maxDelay", $"maxDelay ({MaxDelay}) is shorter than delay ({Delay}).");
    }

    /// <summary>The backoff a plan keeps (the fields already checked).</summary>
    public RetryBackoff ToBackoff()
    {
        var defaults = Contracts.RetryBackoff.Default;
        return new RetryBackoff
        {
            DelaySeconds = DurationText.TryParse(Delay, out var delay, out _) ? delay.TotalSeconds : defaults.DelaySeconds,
            Factor = Factor ?? defaults.Factor,
            MaxDelaySeconds = DurationText.TryParse(MaxDelay, out var max, out _) ? max.TotalSeconds
                : Math.Max(defaults.MaxDelaySeconds, DurationText.TryParse(Delay, out delay, out _) ? delay.TotalSeconds : 0),
        };
    }

    static TimeSpan? Read(ValidationErrors errors, string path, string? text)
    {
        if (text is null)
            return null;
        if (!DurationText.TryParse(text, out var duration, out var error))
        {
            errors.Add(path, $"{path[(path.LastIndexOf('.') + 1)..]} {error}.");
            return null;
        }

        if (duration > MaxWait)
        {
            errors.Add(path, $"A retry waits at most {DurationText.Format(MaxWait)}.");
            return null;
        }

        return duration;
    }
}
