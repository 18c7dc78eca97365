using MFlow.Persistence.Runs;

namespace MFlow.Scheduler.Api;

/// <summary>One attempt of a task as GET /api/v1/runs/{id} shows it, with where to read its log.</summary>
public sealed record TaskAttemptView(
    int Attempt,
    string State,
    string? Reason,
    string? Message,
    int? ExitCode,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? LogTail,
    string Log)
{
    /// <summary>The attempts of one task reported so far, oldest first.</summary>
    public static IReadOnlyList<TaskAttemptView> Of(Guid runId, string taskName, Guid taskId, PipelineRunState? state) =>
        state?.Attempts.GetValueOrDefault(taskId) is { } attempts
            ? attempts.Select(a => new TaskAttemptView(
                a.Attempt, a.State?.ToString() ?? "Queued", a.Reason, a.Message, a.ExitCode, a.StartedAt, a.FinishedAt, a.LogTail,
                $"/api/v1/runs/{runId}/tasks/{taskName}/log?attempt={a.Attempt}")).ToList()
            : [];
}
