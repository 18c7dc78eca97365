using MFlow.Execution.Reporting;

namespace MFlow.Execution.Tests.Reporting;

public sealed class When_masking_part_of_a_log
{
    static readonly IReadOnlyList<string> Secrets = SecretMask.ValuesOf(["s3cret-value-1234"]);

    [Theory]
    [InlineData("value-1234 and more\nnext line", true, false, "ore\nnext line")] // the cut ran through the first line's secret: a value's length less one goes
    [InlineData("ab\nnext s3cret-value-1234 line", true, false, "next *** line")] // a short partial line goes whole
    [InlineData("first line\nlast s3cret-va", false, true, "first line\n")] // the cut ran through the last line's secret
    [InlineData("a s3cret-value-1234 b", false, false, "a *** b")]
    public void Should_mask_whole_values_and_drop_what_a_cut_left_of_one(string part, bool cutAtStart, bool cutAtEnd, string expected) =>
        Assert.Equal(expected, SecretMask.ApplyToPart(part, Secrets, cutAtStart, cutAtEnd));

    [Fact]
    public void Should_drop_no_more_than_a_value_could_reach_into_a_long_line()
    {
        var line = "1234 " + new string('x', 100);
        var shown = SecretMask.ApplyToPart(line, Secrets, cutAtStart: true, cutAtEnd: false)!;
        Assert.Equal(line[("s3cret-value-1234".Length - 1)..], shown);
    }
}
