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
