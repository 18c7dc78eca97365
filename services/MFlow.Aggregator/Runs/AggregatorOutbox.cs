using MassTransit;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// The aggregator's outbox (table "aggregator_outbox"): StageCompleted, the runs' terminal events and
/// CancelTask are written with the state change that causes them and published after its commit, so
/// no event goes out for a change that was then rolled back, and none is lost to a crash after the commit.
/// </summary>
public sealed class AggregatorOutbox(Database database, IBus bus, ILogger<AggregatorOutbox> logger)
    : TransactionalOutbox(database, bus, "aggregator_outbox", logger);
