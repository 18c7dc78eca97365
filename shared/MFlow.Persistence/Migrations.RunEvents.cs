namespace MFlow.Persistence;

// Its own file so that migrations written at the same time on other branches do not collide here.
public static partial class Migrations
{
    /// <summary>
    /// Each run's journal of changes (GET /api/v1/runs/{id}/events): ids count per run from 1, taken
    /// from the run's counter row, which the writing transaction holds locked until it commits, so ids
    /// become visible in their order and a reader that saw id N has seen every id below it.
    /// </summary>
    static Migration RunEvents => new(13, "run event journal", db =>
    [
        $"""
        CREATE TABLE run_event_counters (
            run_id {db.IdType} PRIMARY KEY,
            last_id bigint NOT NULL
        )
        """,
        // One row per change: a task's state (task_*), a stage's completion (stage_index, succeeded) or the run's state.
        $"""
        CREATE TABLE run_events (
            run_id {db.IdType} NOT NULL,
            id bigint NOT NULL,
            type text NOT NULL,
            at {db.TimestampType} NOT NULL,
            state text,
            task_id {db.IdType},
            task_name text,
            attempt integer,
            reason text,
            started_at {db.TimestampType},
            finished_at {db.TimestampType},
            stage_index integer,
            succeeded boolean,
            PRIMARY KEY (run_id, id)
        )
        """,
    ]);
}
