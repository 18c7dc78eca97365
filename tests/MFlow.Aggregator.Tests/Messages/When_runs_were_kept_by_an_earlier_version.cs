using System.Text.Json;
using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Runs;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Aggregator.Tests.Messages;

/// <summary>A run in flight across the upgrade: kept as one JSON document, imported as rows, carried on.</summary>
public sealed class When_runs_were_kept_by_an_earlier_version : RunSpec
{
    [Fact]
    public async Task Should_import_a_run_in_flight_and_carry_it_to_its_end()
    {
        // As the earlier version's saga stored it: stage 0 done, stage 1 half done (lint still running), stage 2 waiting.
        var document = new PipelineRunState
        {
            CorrelationId = Run.RunId,
            CurrentState = RunStates.Running,
            PipelineName = "hello",
            PlanKnown = true,
            StartedAt = Run.Started.StartedAt,
            Stages = Run.Stages.Select(s => new StageRecord { Index = s.Index, Name = s.Name, TaskIds = s.Tasks.Select(t => t.TaskId).ToList() }).ToList(),
            Tasks = Run.Stages.SelectMany(s => s.Tasks.Select(t => new TaskRecord { TaskId = t.TaskId, Name = t.Name, Kind = t.Kind, Target = t.Target, StageIndex = s.Index }))
                .ToDictionary(t => t.TaskId),
        };
        document.Stages[0].Completed = document.Stages[0].Succeeded = true;
        Apply(document, Run.Succeeded("compile", outputs: TestRun.OutputsOf("compile")), Run.Succeeded("unit-tests"), Run.Running("lint"));
        await using (var connection = await Database.OpenAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO pipeline_run_state (correlation_id, current_state, version, data, updated_at) VALUES (@id, @state, 7, @data, @at)",
                null, CancellationToken.None,
                ("id", Run.RunId), ("state", RunStates.Running), ("data", JsonSerializer.Serialize(document, StoredJson.Options)), ("at", DateTimeOffset.UtcNow));
        }

        var import = new LegacyRunStateImport(Database, NullLogger<LegacyRunStateImport>.Instance);
        Assert.Equal(1, await import.ImportAllAsync(CancellationToken.None));
        Assert.Equal(0, await import.ImportAllAsync(CancellationToken.None)); // the old row is gone

        var imported = (await StateAsync())!;
        Assert.Equal(RunStates.Running, imported.CurrentState);
        Assert.Equal("compile-ok", imported.Tasks[Run.TaskId("compile")].Outputs["RESULT"]);
        Assert.Equal(TaskState.Running, imported.Tasks[Run.TaskId("lint")].State);
        Assert.Null(imported.Tasks[Run.TaskId("deploy-staging")].State);

        await PublishAndWait(Run.Succeeded("lint"));
        await WaitForPublished<StageCompleted>(s => s.StageIndex == 1);
        await PublishAndWait(Run.Succeeded("deploy-staging"));
        await WaitForState(RunStates.Succeeded);
        Assert.Equal([1, 2], Published<StageCompleted>().Select(s => s.StageIndex));
    }

    static void Apply(PipelineRunState document, params TaskUpdated[] updates)
    {
        foreach (var update in updates)
        {
            var task = document.Tasks[update.TaskId];
            task.State = update.State;
            task.Attempt = update.Attempt;
            task.Sequence = update.Sequence;
            task.Outputs = new Dictionary<string, string>(update.Outputs);
            task.UpdatedAt = update.Timestamp;
            task.FinishedAt = update.FinishedAt;
        }
    }
}
