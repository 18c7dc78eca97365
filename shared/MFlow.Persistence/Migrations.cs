namespace MFlow.Persistence;

/// <summary>Every schema change, in order. Never edit one that has shipped: add the next.</summary>
public static class Migrations
{
    /// <summary>All migrations.</summary>
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "runs, outbox and run state", db =>
        [
            // A run's plan is the snapshot it started with: stages, tasks, resolved params.
            // dispatched_stage is the dispatch cursor that makes "dispatch the next stage" idempotent.
            $"""
            CREATE TABLE runs (
                id {db.IdType} PRIMARY KEY,
                idempotency_key text UNIQUE,
                pipeline_name text NOT NULL,
                mode text NOT NULL,
                triggered_by text,
                trigger text,
                plan text NOT NULL,
                dispatched_stage integer NOT NULL,
                created_at {db.TimestampType} NOT NULL
            )
            """,
            $"CREATE INDEX ix_runs_created_at ON runs (created_at)",
            // Messages written in the same transaction as the state that caused them, published after commit.
            $"""
            CREATE TABLE outbox (
                id {(db.Provider == DatabaseProvider.Postgres ? "bigserial PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT")},
                message_id {db.IdType} NOT NULL,
                message_type text NOT NULL,
                body text NOT NULL,
                created_at {db.TimestampType} NOT NULL
            )
            """,
            // The aggregator saga's instances: one row per run, optimistic concurrency on version.
            $"""
            CREATE TABLE pipeline_run_state (
                correlation_id {db.IdType} PRIMARY KEY,
                current_state text NOT NULL,
                version integer NOT NULL,
                data text NOT NULL,
                updated_at {db.TimestampType} NOT NULL
            )
            """,
        ]),
        new(2, "task logs", db =>
        [
            // The log of every finished task attempt, as its worker captured it before the pod went away.
            $"""
            CREATE TABLE task_logs (
                task_id {db.IdType} NOT NULL,
                attempt integer NOT NULL,
                run_id {db.IdType} NOT NULL,
                task_name text NOT NULL,
                log text NOT NULL,
                truncated boolean NOT NULL,
                captured_at {db.TimestampType} NOT NULL,
                PRIMARY KEY (task_id, attempt)
            )
            """,
            "CREATE INDEX ix_task_logs_run ON task_logs (run_id)",
        ]),
    ];
}
