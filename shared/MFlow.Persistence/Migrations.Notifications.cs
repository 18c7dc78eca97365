namespace MFlow.Persistence;

// Its own file so that migrations written at the same time on other branches do not collide here;
// whoever merges gives each the next free number. A computed property, not an initialized one: the
// order of static initializers across the files of a partial class is not defined.
public static partial class Migrations
{
    /// <summary>
    /// What a run event needs to tell a person without a second call (the request's key and trigger,
    /// kept by the aggregator with the run), and the notifier's subscriptions and deliveries.
    /// </summary>
    static Migration Notifications => new(8, "run trigger on run_status, notification subscriptions and deliveries", db =>
    [
        "ALTER TABLE run_status ADD COLUMN idempotency_key text",
        "ALTER TABLE run_status ADD COLUMN trigger text",
        "ALTER TABLE run_status ADD COLUMN triggered_by text",
        // Written through the API (the scheduler), read by the notifier; the secret is encrypted with
        // the key ring (Data Protection) and never returned.
        $"""
        CREATE TABLE notification_subscriptions (
            id {db.IdType} PRIMARY KEY,
            name text NOT NULL UNIQUE,
            target text NOT NULL,
            url text NOT NULL,
            secret_protected text,
            pipelines text NOT NULL,
            events text NOT NULL,
            enabled boolean NOT NULL,
            created_at {db.TimestampType} NOT NULL,
            created_by text NOT NULL,
            updated_at {db.TimestampType} NOT NULL
        )
        """,
        // One row per event and subscription: its id is the delivery id receivers see (X-MFlow-Delivery),
        // derived from the event's message id so a redelivered event never makes a second delivery.
        // lease_until lets any number of notifier replicas share the pending rows.
        $"""
        CREATE TABLE notification_deliveries (
            id {db.IdType} PRIMARY KEY,
            subscription_id {db.IdType} NOT NULL,
            event text NOT NULL,
            run_id {db.IdType},
            payload text NOT NULL,
            status text NOT NULL,
            attempts integer NOT NULL,
            next_attempt_at {db.TimestampType} NOT NULL,
            lease_until {db.TimestampType},
            created_at {db.TimestampType} NOT NULL,
            completed_at {db.TimestampType}
        )
        """,
        "CREATE INDEX ix_notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'Pending'",
        "CREATE INDEX ix_notification_deliveries_subscription ON notification_deliveries (subscription_id, created_at)",
        // Every try of a delivery, for the delivery log.
        $"""
        CREATE TABLE notification_attempts (
            delivery_id {db.IdType} NOT NULL,
            attempt integer NOT NULL,
            at {db.TimestampType} NOT NULL,
            status_code integer,
            error text,
            duration_ms integer NOT NULL,
            PRIMARY KEY (delivery_id, attempt)
        )
        """,
    ]);
}
