namespace MFlow.Persistence;

// Its own file so that migrations written at the same time on other branches do not collide here.
public static partial class Migrations
{
    /// <summary>
    /// Attempts beyond the first: each planned task's current attempt and retry budget (the aggregator
    /// counts a task in its stage by its current attempt alone), a run's resumes, and a rerun's original.
    /// </summary>
    static Migration Attempts => new(11, "task attempts, retries, resumes and reruns", db =>
    [
        // The attempt the run waits for: 1 when planned, one more per retry or resume.
        "ALTER TABLE run_tasks ADD COLUMN attempt integer NOT NULL DEFAULT 1",
        "ALTER TABLE run_tasks ADD COLUMN retries integer NOT NULL DEFAULT 0",
        // Retries spent since the plan or the last resume (a resume gives the task its budget again).
        "ALTER TABLE run_tasks ADD COLUMN retries_used integer NOT NULL DEFAULT 0",
        "ALTER TABLE run_tasks ADD COLUMN retry_backoff text",
        "ALTER TABLE run_status ADD COLUMN resumes integer NOT NULL DEFAULT 0",
        "ALTER TABLE run_status ADD COLUMN resumed_by text",
        $"ALTER TABLE runs ADD COLUMN rerun_of {db.IdType}",
        "CREATE INDEX ix_runs_rerun_of ON runs (rerun_of)",
    ]);
}
