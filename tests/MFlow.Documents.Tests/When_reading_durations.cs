using MFlow.Documents;

namespace MFlow.Documents.Tests;

public sealed class When_reading_durations
{
    [Theory]
    [InlineData("90s", 90_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("2d", 172_800_000)]
    [InlineData("1m30s250ms", 90_250)]
    [InlineData("0s", 0)]
    public void Should_read_numbers_with_units_largest_first(string text, long milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("10", "'10' is not a duration: the number at character 1 needs a unit")]
    [InlineData("5 m", "needs a unit")]
    [InlineData("-5m", "expected a number at character 1")]
    [InlineData("1.5h", "needs a unit")]
    [InlineData("30s1m", "units go largest first")]
    [InlineData("1m1m", "units go largest first")]
    [InlineData("5y", "'y' is not a unit")]
    [InlineData("99999999999999999999d", "too long a duration")]
    public void Should_refuse_anything_else_saying_why(string text, string expected)
    {
        Assert.False(DurationText.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Should_refuse_a_text_longer_than_the_limit_without_reading_it()
    {
        Assert.False(DurationText.TryParse(new string('1', DurationText.MaxLength) + "s", out _, out var error));
        Assert.Contains("longer than 64 characters", error);
    }

    [Theory]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(90_250, "1m30s250ms")]
    [InlineData(0, "0s")]
    public void Should_write_what_it_reads(long milliseconds, string text)
    {
        Assert.Equal(text, DurationText.Format(TimeSpan.FromMilliseconds(milliseconds)));
        Assert.True(DurationText.TryParse(text, out var back, out _));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), back);
    }
}
