namespace MFlow.Persistence;

public static partial class Migrations
{
    // Git triggers: a push or tag webhook from GitHub or GitLab mapped to a stored pipeline. The
    // secret is kept encrypted (Data Protection), since verifying GitHub's HMAC needs it whole.
    // Deliveries record what each webhook delivery did, one row per delivery id.
    // A property computed on use: static initializers across partial files run in no defined order.
    static Migration GitTriggers => new(7, "git triggers and their deliveries", db =>
    [
        $"""
        CREATE TABLE git_triggers (
            name text PRIMARY KEY,
            description text,
            provider text NOT NULL,
            repository text NOT NULL,
            pipeline text NOT NULL,
            branches text NOT NULL,
            tags text NOT NULL,
            params text NOT NULL,
            clone_url text NOT NULL,
            enabled boolean NOT NULL,
            secret_protected text NOT NULL,
            created_at {db.TimestampType} NOT NULL,
            created_by text NOT NULL,
            updated_at {db.TimestampType} NOT NULL
        )
        """,
        $"""
        CREATE TABLE git_trigger_deliveries (
            trigger_name text NOT NULL,
            delivery_id text NOT NULL,
            received_at {db.TimestampType} NOT NULL,
            event text NOT NULL,
            git_ref text,
            git_commit text,
            outcome text NOT NULL,
            reason text,
            run_id {db.IdType},
            PRIMARY KEY (trigger_name, delivery_id)
        )
        """,
        "CREATE INDEX ix_git_trigger_deliveries_received ON git_trigger_deliveries (trigger_name, received_at)",
    ]);
}
