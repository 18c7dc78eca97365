using MFlow.Contracts;
using MFlow.Execution.Tests.Support;

namespace MFlow.Execution.Tests.Local;

public sealed class When_retrying_a_task : ExecutorSpec
{
    [Fact]
    public async Task Should_try_again_in_a_fresh_directory_until_it_succeeds()
    {
        // The marker lives outside the task's directories: each try gets a fresh one (try-1, try-2).
        var command = Script("""
            if [ -e leftover ]; then echo "not fresh"; exit 9; fi
            touch leftover
            if [ -e "$MARKER" ]; then
              echo "second try"
              printf 'TRY=2\0' >> "$_OUTPUT_FILE"
            else
              touch "$MARKER"
              printf 'TRY=1\0' >> "$_OUTPUT_FILE"
              echo "first try fails" >&2
              exit 1
            fi
            """) with
        {
            BackoffLimit = 2,
            Params = new Dictionary<string, string> { ["MARKER"] = Path.Combine(Root, "marker") },
        };

        var last = await Run(command);

        // Tries are the Job's business; the task reports one attempt, once running and once ended.
        Assert.Equal(["Running@1", "Succeeded@1"], States(command));
        Assert.Equal(0, last.ExitCode);
        Assert.Equal(new Dictionary<string, string> { ["TRY"] = "2" }, last.Outputs);
        Assert.Equal(
            ["first try fails", "attempt 1: try 1 failed (Container 'main' exited with code 1.); retrying", "second try"],
            last.LogTail!.Split('\n'));
    }

    [Fact]
    public async Task Should_fail_once_every_try_failed()
    {
        var counter = Path.Combine(Root, "tries");
        var command = Script("echo try >> \"$COUNTER\"; exit 4") with
        {
            BackoffLimit = 2,
            Params = new Dictionary<string, string> { ["COUNTER"] = counter },
        };

        var last = await Run(command);

        Assert.Equal(["Running@1", "Failed@1"], States(command));
        Assert.Equal(3, File.ReadAllLines(counter).Length);
        Assert.Equal(4, last.ExitCode);
        Assert.Equal("BackoffLimitExceeded", last.Reason);
        Assert.Equal("Container 'main' exited with code 4. (after 3 tries)", last.Message);
    }

    [Fact]
    public async Task Should_not_retry_without_a_backoff_limit()
    {
        var counter = Path.Combine(Root, "tries");
        var command = Script("echo try >> \"$COUNTER\"; exit 4") with
        {
            Params = new Dictionary<string, string> { ["COUNTER"] = counter },
        };

        var last = await Run(command);

        Assert.Single(File.ReadAllLines(counter));
        Assert.Equal("Error", last.Reason);
    }
}
