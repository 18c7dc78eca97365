using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake;

namespace MFlow.Benchmarks;

/// <summary>
/// Reads one level's timing and API cost off the fake Kubernetes API's own records: when each Job's
/// create request arrived (<see cref="FakeKubernetesServer.Requests"/>) and when the write that marked
/// it Complete happened (<see cref="FakeKubernetesServer.Events"/>), tied to runs and stages through
/// the Jobs' run-id and task-id labels and the plans the runs announced.
/// </summary>
public sealed class KubernetesTimeline
{
    const string RunIdLabel = "mflow.dev/run-id";
    const string TaskIdLabel = "mflow.dev/task-id";

    KubernetesTimeline(IReadOnlyList<TimedJob> jobs, IReadOnlyList<RecordedRequest> requests)
    {
        Jobs = jobs;
        Requests = requests;
    }

    /// <summary>The level's Jobs, with their stage and the moments that matter.</summary>
    public IReadOnlyList<TimedJob> Jobs { get; }

    /// <summary>Every API request of the level, whoever made it (the workers are the only clients).</summary>
    public IReadOnlyList<RecordedRequest> Requests { get; }

    /// <summary>
    /// Builds the timeline of <paramref name="runs"/> from what the server recorded since the level began
    /// (<paramref name="requests"/> and <paramref name="events"/> are the level's slices).
    /// </summary>
    public static KubernetesTimeline Build(
        FakeKubernetesServer server, IReadOnlyList<ObservedRun> runs, IReadOnlyList<RecordedRequest> requests, IReadOnlyList<ResourceEvent> events)
    {
        var stageOfTask = runs
            .SelectMany(run => run.Plan!.Stages.SelectMany(stage => stage.Tasks.Select(task => (task.TaskId, Run: run.RunId, Stage: stage.Index))))
            .ToDictionary(t => t.TaskId, t => (t.Run, t.Stage));
        var jobEvents = events.Where(e => e.Resource == "jobs").ToList();
        var eventAtVersion = jobEvents.ToDictionary(e => e.ResourceVersion, StringComparer.Ordinal);
        var lastModified = jobEvents.Where(e => e.Type == "MODIFIED").GroupBy(e => e.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

        // A create request names no Job (the name is in the body), so requests are matched to the Jobs
        // they created in arrival order. Only requests in flight together can be swapped, and the fake
        // stores a Job within a millisecond or so of its arrival, so the error is about that.
        var created = jobEvents.Where(e => e.Type == "ADDED").OrderBy(e => e.Timestamp).ToList();
        var creates = requests.Where(r => r.Verb == "create" && r.Resource == "jobs" && r.StatusCode == 201).OrderBy(r => r.Timestamp).ToList();
        var createdAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        for (var i = 0; i < created.Count; i++)
            createdAt[created[i].Name] = i < creates.Count && creates.Count == created.Count ? creates[i].Timestamp : created[i].Timestamp;

        // A pod is named after its Job plus a generated suffix; the tracker reads a finished Job's log once.
        var logReadAt = requests
            .Where(r => r.Verb == "get" && r.Resource == "pods" && r.Subresource == "log" && r.Name is not null)
            .GroupBy(r => r.Name![..r.Name!.LastIndexOf('-')])
            .ToDictionary(g => g.Key, g => g.Min(r => r.Timestamp), StringComparer.Ordinal);

        var jobs = new List<TimedJob>();
        foreach (var job in server.List("jobs", BenchmarkCluster.Namespace))
        {
            var metadata = job["metadata"]!.AsObject();
            var name = (string)metadata["name"]!;
            if (metadata["labels"]?[TaskIdLabel]?.GetValue<string>() is not { } taskLabel || !Guid.TryParse(taskLabel, out var taskId)
                || !stageOfTask.TryGetValue(taskId, out var place) || !createdAt.TryGetValue(name, out var createRequest))
                continue;

            // The Job's last write is the one that made it Complete: nothing writes a finished Job again.
            DateTimeOffset? completedAt = null;
            if (IsComplete(job))
            {
                var version = (string?)metadata["resourceVersion"];
                completedAt = version is not null && eventAtVersion.TryGetValue(version, out var write)
                    ? write.Timestamp
                    : lastModified.GetValueOrDefault(name)?.Timestamp;
            }

            jobs.Add(new TimedJob(name, place.Run, place.Stage, taskId, createRequest, completedAt, logReadAt.TryGetValue(name, out var read) ? read : null));
        }

        return new KubernetesTimeline(jobs, requests);
    }

    /// <summary>
    /// For each run and stage boundary: from the moment the stage's last Job was marked Complete to the
    /// arrival of the create request of the next stage's first Job, in milliseconds.
    /// </summary>
    public IReadOnlyList<double> InterStageDeadTimes() => Boundaries().Select(b => (b.FirstCreate - b.LastComplete).TotalMilliseconds).ToList();

    /// <summary>
    /// The dead time's first part, per boundary: from the stage's last Job marked Complete until the
    /// worker read that Job's log (the tracker has seen it end and is about to report it), in ms.
    /// The rest of the dead time is reporting, the aggregator, the scheduler's dispatch and the next create.
    /// </summary>
    public IReadOnlyList<double> TrackerReactionTimes() =>
        Boundaries().Where(b => b.LastLogRead is not null).Select(b => (b.LastLogRead!.Value - b.LastComplete).TotalMilliseconds).ToList();

    IEnumerable<(Guid RunId, int Stage, DateTimeOffset LastComplete, DateTimeOffset? LastLogRead, DateTimeOffset FirstCreate)> Boundaries()
    {
        foreach (var run in Jobs.GroupBy(j => j.RunId))
        {
            var stages = run.GroupBy(j => j.Stage).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var (stage, stageJobs) in stages)
            {
                if (!stages.TryGetValue(stage + 1, out var next) || stageJobs.Any(j => j.CompletedAt is null))
                    continue;
                var last = stageJobs.MaxBy(j => j.CompletedAt!.Value)!;
                yield return (run.Key, stage, last.CompletedAt!.Value, last.LogReadAt, next.Min(j => j.CreateRequestAt));
            }
        }
    }

    /// <summary>
    /// The rest of the dead time in two parts, per boundary whose StageCompleted the observer heard:
    /// last Job complete → StageCompleted heard (the worker's report and the aggregator), and StageCompleted
    /// heard → next stage's first create (the scheduler's dispatch and the next worker), in ms.
    /// </summary>
    public (IReadOnlyList<double> ToStageCompleted, IReadOnlyList<double> ToNextCreate) DeadTimeParts(IReadOnlyList<ObservedRun> runs)
    {
        var byId = runs.ToDictionary(run => run.RunId);
        var toStageCompleted = new List<double>();
        var toNextCreate = new List<double>();
        foreach (var b in Boundaries())
        {
            if (!byId.TryGetValue(b.RunId, out var run) || !run.StageCompletedAt.TryGetValue(b.Stage, out var heard))
                continue;
            toStageCompleted.Add((heard - b.LastComplete).TotalMilliseconds);
            toNextCreate.Add((b.FirstCreate - heard).TotalMilliseconds);
        }

        return (toStageCompleted, toNextCreate);
    }

    /// <summary>The arrival of each run's first create request (its first stage's first Job), by run.</summary>
    public IReadOnlyDictionary<Guid, DateTimeOffset> FirstCreateRequests() =>
        Jobs.Where(j => j.Stage == 0).GroupBy(j => j.RunId).ToDictionary(g => g.Key, g => g.Min(j => j.CreateRequestAt));

    /// <summary>How long each Job lived: its create request → marked Complete (the fake's pod, as fast as this machine lets it), in ms.</summary>
    public IReadOnlyList<double> JobDurations() =>
        Jobs.Where(j => j.CompletedAt is not null).Select(j => (j.CompletedAt!.Value - j.CreateRequestAt).TotalMilliseconds).ToList();

    /// <summary>When each Job was marked Complete, in order.</summary>
    public IReadOnlyList<DateTimeOffset> Completions() => Jobs.Where(j => j.CompletedAt is not null).Select(j => j.CompletedAt!.Value).Order().ToList();

    static bool IsComplete(JsonObject job) =>
        (job["status"]?["conditions"] as JsonArray ?? []).Any(c => (string?)c?["type"] == "Complete" && (string?)c?["status"] == "True");
}

/// <summary>One task's Job as the fake API saw it.</summary>
/// <param name="Name">The Job's name.</param>
/// <param name="RunId">The run it belongs to.</param>
/// <param name="Stage">Its stage's index.</param>
/// <param name="TaskId">Its task.</param>
/// <param name="CreateRequestAt">When the request that created it arrived.</param>
/// <param name="CompletedAt">When it was marked Complete, if it was.</param>
/// <param name="LogReadAt">When the worker's request for its pod's log arrived, if it came.</param>
public sealed record TimedJob(string Name, Guid RunId, int Stage, Guid TaskId, DateTimeOffset CreateRequestAt, DateTimeOffset? CompletedAt, DateTimeOffset? LogReadAt);
