namespace MFlow.Persistence;

// Its own file so that migrations written at the same time on other branches do not collide here.
public static partial class Migrations
{
    /// <summary>
    /// when / finally / allowFailure: which stages are the pipeline's finally stages (the scheduler's
    /// cursor jumps to the first one when a main stage fails; the aggregator ends the run after the
    /// last one) and which tasks may fail without failing their stage.
    /// </summary>
    static Migration FlowControl => new(12, "finally stages and allowFailure tasks", _ =>
    [
        "ALTER TABLE runs ADD COLUMN finally_stage integer",
        "ALTER TABLE run_stages ADD COLUMN is_finally boolean NOT NULL DEFAULT false",
        "ALTER TABLE run_tasks ADD COLUMN allow_failure boolean NOT NULL DEFAULT false",
    ]);
}
