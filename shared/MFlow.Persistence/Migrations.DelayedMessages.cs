namespace MFlow.Persistence;

// Its own file so that migrations written at the same time on other branches do not collide here.
public static partial class Migrations
{
    /// <summary>
    /// Messages an outbox holds back until a moment (timers: approval and run timeouts, retry
    /// backoffs). NULL: publish at once, as before. Only the relay publishes a delayed message.
    /// </summary>
    static Migration DelayedMessages => new(9, "delayed outbox messages", db =>
    [
        $"ALTER TABLE outbox ADD COLUMN deliver_at {db.TimestampType}",
        $"ALTER TABLE aggregator_outbox ADD COLUMN deliver_at {db.TimestampType}",
        "CREATE INDEX ix_outbox_deliver_at ON outbox (deliver_at) WHERE deliver_at IS NOT NULL",
        "CREATE INDEX ix_aggregator_outbox_deliver_at ON aggregator_outbox (deliver_at) WHERE deliver_at IS NOT NULL",
    ]);
}
