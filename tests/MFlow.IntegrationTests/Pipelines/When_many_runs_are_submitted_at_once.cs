using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Scheduler.Api;
using MFlow.ServiceDefaults;
using MFlow.Testing;
using static MFlow.IntegrationTests.Support.PipelineDocuments;

namespace MFlow.IntegrationTests.Pipelines;

[Collection(SharedClusterCollection.Name)]
public sealed class When_many_runs_are_submitted_at_once(ServiceCluster cluster)
{
    private const int RunCount = 50;
    private const int ThroughMessages = 10;
    private const string RecordRun = "printf 'RUN=%s\\0' \"$_PIPELINE_TASK_ID\" >> \"$_OUTPUT_FILE\"";

    private enum Outcome
    {
        Succeeds,
        FailsFirstStage,
        FailsSecondStage,
    }

    [Fact]
    public async Task Should_bring_every_run_to_its_own_final_state()
    {
        // Runs 0..39 through the HTTP API, 40..49 as StartPipeline messages from an upstream system,
        // all at once; a third succeed, a third fail in their first stage, a third in their second.
        var bus = await cluster.BusAsync();
        var submissions = Enumerable.Range(0, RunCount).Select(async index =>
        {
            var outcome = (Outcome)(index % 3);
            var document = Document($"batch-{index}", Stages(outcome));
            if (index < RunCount - ThroughMessages)
                return (Id: await cluster.SubmitAsync(document, "application/json"), Outcome: outcome);

            var key = $"batch-{Guid.NewGuid():N}";
            await bus.Publish(new StartPipeline { IdempotencyKey = key, Pipeline = document, TriggeredBy = "upstream", Trigger = "test" });
            return (Id: DeterministicGuid.Create(DeterministicGuid.RunNamespace, key), Outcome: outcome);
        });
        var runs = await Task.WhenAll(submissions);

        var final = await Eventually.UntilAsync(
            () => Task.WhenAll(runs.Select(async run => await TryGetAsync(run.Id))),
            views => views.All(view => view is not null && Runs.IsFinal(view.State)),
            TimeSpan.FromMinutes(4),
            $"all {RunCount} runs are final");

        Assert.Equal(RunCount, runs.Select(run => run.Id).Distinct().Count());
        foreach (var ((runId, outcome), view) in runs.Zip(final))
        {
            var run = view!;
            var summary = $"run {runId} ({outcome}): {Runs.Summary(run)}";
            Assert.True(run.State == (outcome == Outcome.Succeeds ? "Succeeded" : "Failed"), summary);
            var expectedStages = outcome switch
            {
                Outcome.Succeeds => new[] { "Succeeded", "Succeeded", "Succeeded" },
                Outcome.FailsFirstStage => ["Failed", "Waiting", "Waiting"],
                _ => ["Succeeded", "Failed", "Waiting"],
            };
            Assert.True(expectedStages.SequenceEqual(run.Stages.Select(stage => stage.State)), summary);
            foreach (var task in run.Stages.SelectMany(stage => stage.Tasks))
            {
                switch (task.State)
                {
                    case "Succeeded":
                        // Each task saw its own run's id: no run's task ran with another's variables.
                        Assert.True(task.Outputs.GetValueOrDefault("RUN") == runId.ToString(), summary);
                        Assert.Equal(0, task.ExitCode);
                        break;
                    case "Failed":
                        Assert.True(task.Name == "breaks" && task.ExitCode == 3, summary);
                        break;
                    default:
                        Assert.True(task.State == "Waiting" && task.Attempt == 0, summary);
                        break;
                }
            }
        }

        // Subscribers heard the same outcome, once per run: no second end, and, with no service
        // crashing, no outbox repeat either (a failure names each repeat's message ids).
        var terminal = await Eventually.UntilAsync(
            async () => (await cluster.Spy.EnvelopesAsync<PipelineRunSucceeded>()).Select(e => (e.Message.RunId, State: "Succeeded", e.MessageId))
                .Concat((await cluster.Spy.EnvelopesAsync<PipelineRunFailed>()).Select(e => (e.Message.RunId, State: "Failed", e.MessageId)))
                .Where(e => runs.Any(run => run.Id == e.RunId))
                .ToList(),
            events => events.Select(e => e.RunId).Distinct().Count() == RunCount,
            ServiceCluster.RunTimeout,
            "every run's terminal event is published");
        var heardTwice = terminal.GroupBy(e => e.RunId).Where(events => events.Count() > 1)
            .Select(events => $"run {events.Key}: {string.Join(", ", events.Select(e => $"{e.State} (message {e.MessageId})"))}")
            .ToList();
        Assert.True(heardTwice.Count == 0, "A run's end was heard more than once (one message id twice: an outbox repeat; two ids: a second end):\n"
            + string.Join("\n", heardTwice));
        Assert.All(runs, run => Assert.Equal(
            run.Outcome == Outcome.Succeeds ? "Succeeded" : "Failed",
            Assert.Single(terminal, e => e.RunId == run.Id).State));
    }

    private static object[] Stages(Outcome outcome) =>
    [
        Stage("build", outcome == Outcome.FailsFirstStage
            ? ShellTask("breaks", "build", "echo 'compiler error' >&2; exit 3")
            : ShellTask("compile", "build", RecordRun)),
        Stage("deliver",
            ShellTask("deploy", "deploy", RecordRun),
            outcome == Outcome.FailsSecondStage
                ? ShellTask("breaks", "vm", "echo 'host unreachable' >&2; exit 3")
                : ShellTask("configure", "vm", RecordRun)),
        Stage("verify", ShellTask("smoke-test", "build", RecordRun)),
    ];

    private async Task<RunView?> TryGetAsync(Guid runId)
    {
        // A StartPipeline message may not have been consumed yet.
        using var response = await cluster.Api.GetAsync($"/api/v1/runs/{runId}");
        return response.IsSuccessStatusCode ? await cluster.GetRunAsync(runId) : null;
    }
}
