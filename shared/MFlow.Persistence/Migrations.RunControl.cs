namespace MFlow.Persistence;

// Its own file so that migrations written at the same time on other branches do not collide here.
public static partial class Migrations
{
    /// <summary>
    /// Run control: approval gates and their decisions, concurrency groups' slots and queues (the
    /// scheduler's), and how a run stopped by a timeout or a rejection ends (the aggregator's).
    /// </summary>
    static Migration RunControl => new(10, "approval gates, concurrency groups, run end reasons", db =>
    [
        // One row per gate a run reached. decision stays NULL while the run waits; the first
        // conditional UPDATE that sets it decides, whichever replica or timer gets there first.
        $"""
        CREATE TABLE run_approvals (
            run_id {db.IdType} NOT NULL,
            stage_index integer NOT NULL,
            stage_name text NOT NULL,
            approval text NOT NULL,
            waiting_since {db.TimestampType} NOT NULL,
            expires_at {db.TimestampType},
            decision text,
            decided_by text,
            decided_at {db.TimestampType},
            comment text,
            PRIMARY KEY (run_id, stage_index)
        )
        """,
        // A group's row is locked (UPDATE) by whoever admits or releases runs of the group, so two
        // scheduler replicas never count its running runs at once.
        """
        CREATE TABLE concurrency_groups (
            group_key text PRIMARY KEY,
            changes bigint NOT NULL
        )
        """,
        // One row per run of a pipeline with a concurrency group: Queued, Running, then Ended.
        $"""
        CREATE TABLE run_concurrency (
            run_id {db.IdType} PRIMARY KEY,
            group_key text NOT NULL,
            run_limit integer NOT NULL,
            state text NOT NULL,
            created_at {db.TimestampType} NOT NULL,
            admitted_at {db.TimestampType},
            ended_at {db.TimestampType}
        )
        """,
        "CREATE INDEX ix_run_concurrency_group ON run_concurrency (group_key, state, created_at)",
        // A run stopped by a timeout ends Failed (reason Timeout), a rejected one Rejected.
        "ALTER TABLE run_status ADD COLUMN end_state text",
        "ALTER TABLE run_status ADD COLUMN end_reason text",
    ]);
}
