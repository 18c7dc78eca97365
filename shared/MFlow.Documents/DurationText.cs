using System.Globalization;

namespace MFlow.Documents;

/// <summary>
/// Durations as pipeline documents write them, the way Tekton and Argo do: a sequence of whole
/// numbers with units, largest first, e.g. <c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>250ms</c>.
/// Units: <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>. No signs, fractions, spaces or repeats,
/// and at most 64 characters, so that a hostile value cannot cost more than a glance.
/// </summary>
public static class DurationText
{
    /// <summary>The longest text read as a duration.</summary>
    public const int MaxLength = 64;

    /// <summary>Units in the only order they may appear.</summary>
    private static readonly (string Unit, TimeSpan Size)[] Units =
    [
        ("d", TimeSpan.FromDays(1)),
        ("h", TimeSpan.FromHours(1)),
        ("m", TimeSpan.FromMinutes(1)),
        ("s", TimeSpan.FromSeconds(1)),
        ("ms", TimeSpan.FromMilliseconds(1)),
    ];

    /// <summary>Reads <paramref name="text"/>; on failure <paramref name="error"/> says why, for a problem detail.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = "";
        if (string.IsNullOrEmpty(text))
        {
            error = "is empty; write a duration such as 90s, 5m or 1h30m";
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = $"is longer than {MaxLength} characters";
            return false;
        }

        var next = 0; // index into Units: each unit may appear once, largest first
        var position = 0;
        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && text[position] is >= '0' and <= '9')
                position++;
            if (position == start)
            {
                error = $"'{text}' is not a duration: expected a number at character {start + 1} (write e.g. 90s, 5m, 1h30m)";
                return false;
            }

            var unitStart = position;
            while (position < text.Length && text[position] is >= 'a' and <= 'z')
                position++;
            var unit = text[unitStart..position];
            var index = Array.FindIndex(Units, next, u => u.Unit == unit);
            if (index < 0)
            {
                error = unit.Length == 0
                    ? $"'{text}' is not a duration: the number at character {start + 1} needs a unit (ms, s, m, h, d)"
                    : Array.FindIndex(Units, u => u.Unit == unit) < 0
                        ? $"'{text}' is not a duration: '{unit}' is not a unit (ms, s, m, h, d)"
                        : $"'{text}' is not a duration: units go largest first, each at most once";
                return false;
            }

            if (!long.TryParse(text.AsSpan(start, unitStart - start), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                || count > TimeSpan.MaxValue.Ticks / Units[index].Size.Ticks
                || duration.Ticks > TimeSpan.MaxValue.Ticks - count * Units[index].Size.Ticks)
            {
                error = $"'{text}' is too long a duration";
                return false;
            }

            duration += TimeSpan.FromTicks(count * Units[index].Size.Ticks);
            next = index + 1;
        }

        return true;
    }

    /// <summary>Writes <paramref name="duration"/> the way <see cref="TryParse"/> reads it (0s for zero).</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
            return "0s";
        var text = new System.Text.StringBuilder();
        var rest = duration;
        foreach (var (unit, size) in Units)
        {
            var count = rest.Ticks / size.Ticks;
            if (count == 0)
                continue;
            text.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
            rest -= TimeSpan.FromTicks(count * size.Ticks);
        }

        return text.ToString();
    }
}
