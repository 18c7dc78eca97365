using System.Text;
using MFlow.Execution.Reporting;

namespace MFlow.Execution.Tests.Reporting;

/// <summary>
/// A followed log is masked batch by batch as it is read: it must show what the stored log shows,
/// however the reads cut it, even for a multi-line secret that is masked only whole (its lines are
/// short or have spaces, so none is masked on its own).
/// </summary>
public sealed class When_masking_a_log_as_it_is_written
{
    const string Secret = "db user admin\ndb pass open sesame";

    static readonly IReadOnlyList<string> Values = SecretMask.ValuesOf([Secret]);

    [Fact]
    public void Should_never_show_a_multi_line_secret_whatever_the_reads_cut()
    {
        var log = $"starting\n{Secret}\nconnected\ndone\n";
        var stored = SecretMask.Apply(log, Values);
        Assert.Equal("starting\n***\nconnected\ndone\n", stored);

        for (var cut = 1; cut < log.Length; cut++)
        {
            var followed = Follow(log, [cut, log.Length - cut]);
            Assert.True(followed == stored, $"reads cut at {cut}: {followed}");
        }

        Assert.Equal(stored, Follow(log, Enumerable.Repeat(1, log.Length)));
    }

    [Fact]
    public void Should_send_a_line_that_only_looks_like_a_secrets_start_once_the_next_line_says_it_is_not()
    {
        Assert.Equal(("", 0), SecretMask.ApplyToGrowing("db user admin\n", Values, ended: false));
        Assert.Equal(("db user admin\nretrying\n", 23), SecretMask.ApplyToGrowing("db user admin\nretrying\n", Values, ended: false));
        Assert.Equal(("db user admin\n", 14), SecretMask.ApplyToGrowing("db user admin\n", Values, ended: true));
    }

    [Fact]
    public void Should_send_ordinary_lines_at_once_and_keep_a_partial_line()
    {
        Assert.Equal(("step 1\nstep 2\n", 14), SecretMask.ApplyToGrowing("step 1\nstep 2\nstep", Values, ended: false));
        Assert.Equal(("step ***\n", 23), SecretMask.ApplyToGrowing("step s3cret-value-1234\nnext", SecretMask.ValuesOf(["s3cret-value-1234"]), ended: false));
    }

    // A follower: each read appended to what is unsent, the lines that may go sent, the rest at the end.
    static string Follow(string log, IEnumerable<int> reads)
    {
        var (sent, unsent, position) = (new StringBuilder(), new StringBuilder(), 0);
        foreach (var read in reads)
        {
            unsent.Append(log, position, read);
            position += read;
            var (masked, length) = SecretMask.ApplyToGrowing(unsent.ToString(), Values, ended: false);
            sent.Append(masked);
            unsent.Remove(0, length);
        }

        return sent.Append(SecretMask.ApplyToGrowing(unsent.ToString(), Values, ended: true).Masked).ToString();
    }
}
