using System.Globalization;

namespace MFlow.Cli.Watch;

/// <summary>Durations as people read them: 0.4s, 12s, 3m05s, 1h02m.</summary>
public static class Durations
{
    /// <summary>Formats <paramref name="duration"/>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
            duration = TimeSpan.Zero;
        return duration.TotalSeconds < 10 ? duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s"
            : duration.TotalMinutes < 1 ? $"{(int)duration.TotalSeconds}s"
            : duration.TotalHours < 1 ? $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s"
            : $"{(int)duration.TotalHours}h{duration.Minutes:00}m";
    }
}
