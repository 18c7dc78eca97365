using MFlow.Standalone.Commands;
using MFlow.Standalone.Tests.Support;

namespace MFlow.Standalone.Tests;

/// <summary>The example with an approval gate and a concurrency group runs on the embedded default.</summary>
public sealed class When_a_standalone_run_reaches_an_approval_gate
{
    [Theory]
    [InlineData(true, "approving (--approve)")]
    [InlineData(false, "its timeout approves it at")]
    public async Task Should_pass_the_gate_and_succeed(bool approve, string announced)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var exitCode = await RunCommand.ExecuteAsync(Repository.Example("gated-release.yaml"), [], quiet: false, database: null, writer, timeout.Token, approve);

        var output = writer.ToString();
        Assert.True(exitCode == 0, output);
        Assert.Contains("stage 3 'production' waits for approval: Staging looks good? Ship to production. — " + announced, output);
        Assert.Contains("deploying shop 1.4.0 to production", output);
    }
}
