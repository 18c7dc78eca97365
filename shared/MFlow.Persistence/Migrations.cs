namespace MFlow.Persistence;

/// <summary>Every schema change, in order. Never edit one that has shipped: add the next.</summary>
public static partial class Migrations
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
                id {db.SerialPrimaryKey},
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
        new(3, "definitions, access, clusters, task tokens and outputs", db =>
        [
            // Job and pipeline definitions share one table: same lifecycle (draft, published,
            // deprecated), same unique name <name>@<namespace>.<domain>:<version>.
            $"""
            CREATE TABLE definitions (
                id {db.IdType} PRIMARY KEY,
                type text NOT NULL,
                name text NOT NULL,
                namespace text NOT NULL,
                domain text NOT NULL,
                version text NOT NULL,
                unique_name text NOT NULL,
                kind text,
                stage text NOT NULL,
                labels text NOT NULL,
                document text NOT NULL,
                created_at {db.TimestampType} NOT NULL,
                created_by text NOT NULL,
                updated_at {db.TimestampType} NOT NULL,
                updated_by text NOT NULL,
                published_at {db.TimestampType},
                deprecated_at {db.TimestampType},
                UNIQUE (type, unique_name)
            )
            """,
            "CREATE INDEX ix_definitions_lookup ON definitions (type, name, namespace, domain, stage)",
            // Who changed a definition, when and why.
            $"""
            CREATE TABLE definition_changes (
                id {db.SerialPrimaryKey},
                definition_id {db.IdType} NOT NULL,
                action text NOT NULL,
                actor text NOT NULL,
                reason text,
                at {db.TimestampType} NOT NULL
            )
            """,
            "CREATE INDEX ix_definition_changes ON definition_changes (definition_id)",
            // API keys: only a hash of each key is kept.
            $"""
            CREATE TABLE api_keys (
                id {db.IdType} PRIMARY KEY,
                name text NOT NULL UNIQUE,
                role text NOT NULL,
                key_hash text NOT NULL UNIQUE,
                created_at {db.TimestampType} NOT NULL,
                created_by text NOT NULL,
                revoked_at {db.TimestampType}
            )
            """,
            // Registered target clusters: the kubeconfig is encrypted with ASP.NET Core Data Protection.
            $"""
            CREATE TABLE clusters (
                id text PRIMARY KEY,
                description text,
                kubeconfig_protected text NOT NULL,
                created_at {db.TimestampType} NOT NULL,
                created_by text NOT NULL,
                updated_at {db.TimestampType} NOT NULL
            )
            """,
            "CREATE TABLE data_protection_keys (id text PRIMARY KEY, xml text NOT NULL)",
            // Each task attempt's update token, hashed; outputs and summaries it wrote back.
            $"""
            CREATE TABLE task_tokens (
                task_id {db.IdType} NOT NULL,
                attempt integer NOT NULL,
                run_id {db.IdType} NOT NULL,
                token_hash text NOT NULL,
                created_at {db.TimestampType} NOT NULL,
                PRIMARY KEY (task_id, attempt)
            )
            """,
            $"""
            CREATE TABLE task_outputs (
                task_id {db.IdType} NOT NULL,
                attempt integer NOT NULL,
                run_id {db.IdType} NOT NULL,
                name text NOT NULL,
                value text NOT NULL,
                written_at {db.TimestampType} NOT NULL,
                PRIMARY KEY (task_id, attempt, name)
            )
            """,
            "CREATE INDEX ix_task_outputs_run ON task_outputs (run_id)",
            $"""
            CREATE TABLE task_summaries (
                task_id {db.IdType} NOT NULL,
                attempt integer NOT NULL,
                run_id {db.IdType} NOT NULL,
                summary text NOT NULL,
                written_at {db.TimestampType} NOT NULL,
                PRIMARY KEY (task_id, attempt)
            )
            """,
        ]),
        // A run's saga document (tens of KB once it has a hundred tasks) is rewritten on every task
        // update, and PostgreSQL's default pglz compression of it was the server's largest cost
        // (over a third of its CPU under load); lz4 compresses several times faster. SQLite does
        // not compress.
        new(4, "run state compressed with lz4", db => db.Provider == DatabaseProvider.Postgres ? [CompressRunStateWithLz4] : []),
        // The trace a message was written in: the relay publishes it in that trace, so a run stays
        // one trace even when its dispatch is published after a restart.
        new(5, "outbox trace context, active runs index", _ =>
        [
            "ALTER TABLE outbox ADD COLUMN trace_parent text",
            // mflow.runs.active counts the runs not yet final on every metrics collection.
            "CREATE INDEX ix_run_state_active ON pipeline_run_state (current_state) WHERE current_state NOT IN ('Succeeded', 'Failed', 'Cancelled')",
        ]),
        // The aggregator's run state in rows instead of one JSON document per run: a task update
        // touches its attempt's row, and a stage's completion is decided by its counter row (see
        // MFlow.Aggregator's RunRows). pipeline_run_state stays for runs in flight during an upgrade:
        // the aggregator converts what it holds at start-up.
        new(6, "run state in rows, stage outputs for dispatch, the aggregator's outbox", db =>
        [
            // One row per run; written when the plan arrives, a cancellation is asked, or the run ends.
            $"""
            CREATE TABLE run_status (
                run_id {db.IdType} PRIMARY KEY,
                state text NOT NULL,
                plan_known boolean NOT NULL,
                pipeline_name text NOT NULL,
                mode text NOT NULL,
                stage_count integer NOT NULL,
                started_at {db.TimestampType},
                completed_at {db.TimestampType},
                cancel_requested boolean NOT NULL,
                cancel_reason text,
                cancel_requested_by text,
                trace_parent text,
                updated_at {db.TimestampType} NOT NULL
            )
            """,
            // A stage's counter row: tasks_ended moves once per task, when its attempt first ends, so
            // the one update that makes it equal task_count completes the stage.
            $"""
            CREATE TABLE run_stages (
                run_id {db.IdType} NOT NULL,
                stage_index integer NOT NULL,
                name text NOT NULL,
                task_count integer NOT NULL,
                tasks_ended integer NOT NULL,
                tasks_failed integer NOT NULL,
                completed boolean NOT NULL,
                succeeded boolean NOT NULL,
                completed_at {db.TimestampType},
                PRIMARY KEY (run_id, stage_index)
            )
            """,
            // A task as planned: what does not change from one attempt to the next.
            $"""
            CREATE TABLE run_tasks (
                task_id {db.IdType} PRIMARY KEY,
                run_id {db.IdType} NOT NULL,
                stage_index integer NOT NULL,
                position integer NOT NULL,
                name text NOT NULL,
                kind text NOT NULL,
                target text NOT NULL
            )
            """,
            "CREATE INDEX ix_run_tasks_run ON run_tasks (run_id, stage_index)",
            // A task attempt's progress: the last update applied (by sequence); one row, so one
            // outcome, per attempt.
            $"""
            CREATE TABLE task_attempts (
                task_id {db.IdType} NOT NULL,
                attempt integer NOT NULL,
                run_id {db.IdType} NOT NULL,
                name text NOT NULL,
                kind text NOT NULL,
                state text NOT NULL,
                sequence bigint NOT NULL,
                started_at {db.TimestampType},
                finished_at {db.TimestampType},
                updated_at {db.TimestampType},
                exit_code integer,
                reason text,
                message text,
                log_tail text,
                outputs text NOT NULL,
                worker text,
                cancel_sent boolean NOT NULL,
                PRIMARY KEY (task_id, attempt)
            )
            """,
            "CREATE INDEX ix_task_attempts_run ON task_attempts (run_id)",
            // The scheduler's copy of what finished stages' tasks reported, for later stages' params.
            $"""
            CREATE TABLE run_stage_outputs (
                run_id {db.IdType} NOT NULL,
                stage_index integer NOT NULL,
                outputs text NOT NULL,
                PRIMARY KEY (run_id, stage_index)
            )
            """,
            // The aggregator's events, written with the state change that causes them.
            $"""
            CREATE TABLE aggregator_outbox (
                id {db.SerialPrimaryKey},
                message_id {db.IdType} NOT NULL,
                message_type text NOT NULL,
                body text NOT NULL,
                created_at {db.TimestampType} NOT NULL,
                trace_parent text
            )
            """,
            // mflow.runs.active counts the runs not yet final on every metrics collection.
            "CREATE INDEX ix_run_status_active ON run_status (state) WHERE state NOT IN ('Succeeded', 'Failed', 'Cancelled')",
        ]),
        GitTriggers,
        Notifications,
        DelayedMessages,
        RunControl,
        FlowControl,
        Attempts,
        RunEvents,
    ];

    // A server built without lz4 answers feature_not_supported and keeps pglz.
    const string CompressRunStateWithLz4 = """
        DO $$
        BEGIN
            EXECUTE 'ALTER TABLE pipeline_run_state ALTER COLUMN data SET COMPRESSION lz4';
        EXCEPTION WHEN feature_not_supported THEN
            NULL;
        END $$
        """;
}
