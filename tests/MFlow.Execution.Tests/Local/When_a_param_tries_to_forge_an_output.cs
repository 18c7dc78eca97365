using MFlow.Contracts;
using MFlow.Execution.Tests.Support;

namespace MFlow.Execution.Tests.Local;

// A job echoes a param the caller chose into its outputs: a newline in the value must stay in the value.
public sealed class When_a_param_tries_to_forge_an_output : ExecutorSpec
{
    const string Forged = "world\nIMAGE=evil.example.com/backdoor:1";

    [Fact]
    public async Task Should_keep_a_newline_in_the_value_instead_of_adding_an_output()
    {
        var command = Script("printf 'GREETED=%s\\0' \"$WHO\" >> \"$_OUTPUT_FILE\"") with { Params = new Dictionary<string, string> { ["WHO"] = Forged } };

        var last = await Run(command);

        Assert.Equal(TaskState.Succeeded, last.State);
        Assert.Equal(new Dictionary<string, string> { ["GREETED"] = Forged }, last.Outputs);
    }

    [Fact]
    public async Task Should_ignore_and_say_so_when_a_job_still_writes_lines()
    {
        // The old NAME=value-per-line format would have read IMAGE from this file.
        var command = Script("echo \"GREETED=$WHO\" >> \"$_OUTPUT_FILE\"") with { Params = new Dictionary<string, string> { ["WHO"] = Forged } };

        var last = await Run(command);

        Assert.Equal(TaskState.Succeeded, last.State);
        Assert.Empty(last.Outputs);
        Assert.Contains("outputs: ignored text without a NUL at its end (write each output as printf 'NAME=%s\\0' \"$value\"): GREETED=world?IMAGE=evil", last.LogTail);
    }
}
