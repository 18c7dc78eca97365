using System.Data.Common;
using System.Text.Json;
using MFlow.Persistence;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Control;

/// <summary>
/// The approval gates runs reached (table run_approvals). A gate's decision is set once, by a
/// conditional update: whichever of two replicas, an approver and a timer gets there first decides,
/// the others find it decided.
/// </summary>
public sealed class ApprovalGates
{
    /// <summary>The decisions a gate records.</summary>
    public static class Decisions
    {
        /// <summary>The stage was dispatched.</summary>
        public const string Approved = "Approved";

        /// <summary>The run ended Rejected.</summary>
        public const string Rejected = "Rejected";

        /// <summary>The run ended while it waited (cancelled, timed out): nobody decided.</summary>
        public const string Closed = "Closed";
    }

    /// <summary>Opens the stage's gate; false when it was open already (a duplicate dispatch).</summary>
    public async Task<bool> OpenAsync(DbConnection connection, DbTransaction transaction, Guid runId, PlanStage stage, DateTimeOffset now, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(
            """
            INSERT INTO run_approvals (run_id, stage_index, stage_name, approval, waiting_since, expires_at)
            VALUES (@run, @stage, @name, @approval, @now, @expires) ON CONFLICT DO NOTHING
            """,
            transaction, cancellationToken,
            ("run", runId), ("stage", stage.Index), ("name", stage.Name), ("approval", JsonSerializer.Serialize(stage.Approval, StoredJson.Options)),
            ("now", now), ("expires", stage.Approval?.Timeout is { } timeout ? now + timeout : null)) == 1;

    /// <summary>The gate the run waits at, or null.</summary>
    public async Task<ApprovalRecord?> OpenGateAsync(DbConnection connection, DbTransaction? transaction, Guid runId, CancellationToken cancellationToken) =>
        (await ReadAsync(connection, transaction, "run_id = @run AND decision IS NULL", runId, cancellationToken)).FirstOrDefault();

    /// <summary>Every gate the run reached, in stage order.</summary>
    public Task<IReadOnlyList<ApprovalRecord>> ForRunAsync(DbConnection connection, Guid runId, CancellationToken cancellationToken) =>
        ReadAsync(connection, null, "run_id = @run", runId, cancellationToken);

    /// <summary>Decides the stage's gate if it is still open; false when somebody (or something) decided first.</summary>
    public async Task<bool> DecideAsync(
        DbConnection connection, DbTransaction transaction, Guid runId, int stageIndex, string decision, string decidedBy, string? comment, DateTimeOffset now, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(
            """
            UPDATE run_approvals SET decision = @decision, decided_by = @by, decided_at = @now, comment = @comment
            WHERE run_id = @run AND stage_index = @stage AND decision IS NULL
            """,
            transaction, cancellationToken,
            ("decision", decision), ("by", decidedBy), ("now", now), ("comment", comment), ("run", runId), ("stage", stageIndex)) == 1;

    /// <summary>Closes the gate of a run that ended while it waited.</summary>
    public Task CloseAsync(DbConnection connection, DbTransaction transaction, Guid runId, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(
            "UPDATE run_approvals SET decision = @closed, decided_at = @now WHERE run_id = @run AND decision IS NULL",
            transaction, cancellationToken, ("closed", Decisions.Closed), ("now", now), ("run", runId));

    static async Task<IReadOnlyList<ApprovalRecord>> ReadAsync(DbConnection connection, DbTransaction? transaction, string filter, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"""
            SELECT stage_index, stage_name, approval, waiting_since, expires_at, decision, decided_by, decided_at, comment
            FROM run_approvals WHERE {filter} ORDER BY stage_index
            """,
            transaction, ("run", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var gates = new List<ApprovalRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            gates.Add(new ApprovalRecord(
                reader.GetInt32(0), reader.GetString(1), JsonSerializer.Deserialize<PlanApproval>(reader.GetString(2), StoredJson.Options)!,
                reader.GetTimestamp(3), reader.IsDBNull(4) ? null : reader.GetTimestamp(4), reader.GetNullableString(5), reader.GetNullableString(6),
                reader.IsDBNull(7) ? null : reader.GetTimestamp(7), reader.GetNullableString(8)));
        }

        return gates;
    }
}

/// <summary>A gate a run reached, and its decision once made.</summary>
public sealed record ApprovalRecord(
    int StageIndex,
    string StageName,
    PlanApproval Approval,
    DateTimeOffset WaitingSince,
    DateTimeOffset? ExpiresAt,
    string? Decision,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? Comment);
