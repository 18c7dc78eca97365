using System.Data.Common;
using MFlow.Persistence;

namespace MFlow.Scheduler.Control;

/// <summary>
/// Concurrency groups' slots (tables concurrency_groups, run_concurrency). Whoever admits or releases
/// runs of a group first locks the group's row (an UPDATE, held until commit), so two scheduler
/// replicas never count a group's running runs at the same time; the rows outlive any crash.
/// </summary>
public sealed class ConcurrencyGroups
{
    /// <summary>The states of a run in its group.</summary>
    public static class States
    {
        /// <summary>Waits for a slot.</summary>
        public const string Queued = "Queued";

        /// <summary>Holds a slot.</summary>
        public const string Running = "Running";

        /// <summary>Ended (or cancelled while it waited): holds nothing.</summary>
        public const string Ended = "Ended";
    }

    /// <summary>
    /// Places a new run in its group: running when a slot is free (and, for queue, nobody waits
    /// before it), else queued; cancel-in-progress also names the older runs to cancel so that it
    /// fits, and reject refuses it when no slot is free.
    /// </summary>
    /// <exception cref="ConcurrencyLimitException">The policy is reject and the group is full.</exception>
    public async Task<Admission> AdmitAsync(DbConnection connection, DbTransaction transaction, Guid runId, PlanConcurrency concurrency, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var active = await LockAsync(connection, transaction, concurrency.Group, cancellationToken);
        var running = active.Count(r => r.State == States.Running);
        var queued = active.Count - running;
        var cancel = new List<Guid>();
        switch (concurrency.Policy)
        {
            case "reject" when running + queued >= concurrency.Limit:
                throw new ConcurrencyLimitException(concurrency.Group, concurrency.Limit, active.Select(r => r.RunId).ToList());
            case "cancel-in-progress":
                // The oldest go, as many as it takes to make room; queued ones leave the queue now,
                // running ones hold their slot until their cancellation ended them.
                foreach (var older in active.Take(Math.Max(0, active.Count + 1 - concurrency.Limit)))
                {
                    cancel.Add(older.RunId);
                    if (older.State == States.Queued)
                    {
                        await EndAsync(connection, transaction, older.RunId, now, cancellationToken);
                        queued--;
                    }
                }

                break;
        }

        var admitted = running < concurrency.Limit && queued == 0;
        await connection.ExecuteAsync(
            """
            INSERT INTO run_concurrency (run_id, group_key, run_limit, state, created_at, admitted_at)
            VALUES (@run, @group, @limit, @state, @now, @admitted)
            """,
            transaction, cancellationToken,
            ("run", runId), ("group", concurrency.Group), ("limit", concurrency.Limit), ("state", admitted ? States.Running : States.Queued),
            ("now", now), ("admitted", admitted ? now : null));
        return new Admission(admitted, cancel);
    }

    /// <summary>
    /// Frees the slot (or queue place) of a run that ended and admits the queued runs that now fit,
    /// oldest first; returns them. A run not in a group, or released before (a duplicate end), frees nothing.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> ReleaseAsync(DbConnection connection, DbTransaction transaction, Guid runId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string? group;
        await using (var command = connection.Command("SELECT group_key FROM run_concurrency WHERE run_id = @run", transaction, ("run", runId)))
            group = await command.ExecuteScalarAsync(cancellationToken) as string;
        if (group is null)
            return [];

        // The group's lock first, then the run's row: every writer of a group's rows takes them in this order.
        var active = await LockAsync(connection, transaction, group, cancellationToken);
        if (!active.Any(r => r.RunId == runId))
            return [];
        await EndAsync(connection, transaction, runId, now, cancellationToken);
        active = active.Where(r => r.RunId != runId).ToList();

        var admitted = new List<Guid>();
        var running = active.Count(r => r.State == States.Running);
        foreach (var next in active.Where(r => r.State == States.Queued))
        {
            if (running >= next.Limit)
                break; // FIFO: nobody overtakes the oldest waiting run
            await connection.ExecuteAsync(
                "UPDATE run_concurrency SET state = @running, admitted_at = @now WHERE run_id = @run AND state = @queued",
                transaction, cancellationToken, ("running", States.Running), ("now", now), ("run", next.RunId), ("queued", States.Queued));
            admitted.Add(next.RunId);
            running++;
        }

        return admitted;
    }

    /// <summary>Takes a queued run out of its group's queue (it was cancelled before it got a slot).</summary>
    public Task EndAsync(DbConnection connection, DbTransaction transaction, Guid runId, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(
            "UPDATE run_concurrency SET state = @ended, ended_at = @now WHERE run_id = @run AND state <> @ended",
            transaction, cancellationToken, ("ended", States.Ended), ("now", now), ("run", runId));

    /// <summary>A run's place in its group, or null when its pipeline has no group.</summary>
    public async Task<GroupPlace?> PlaceAsync(DbConnection connection, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            """
            SELECT c.group_key, c.state, c.run_limit,
                (SELECT count(*) FROM run_concurrency q WHERE q.group_key = c.group_key AND q.state = 'Queued'
                    AND (q.created_at < c.created_at OR (q.created_at = c.created_at AND q.run_id < c.run_id)))
            FROM run_concurrency c WHERE c.run_id = @run
            """,
            null, ("run", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var state = reader.GetString(1);
        return new GroupPlace(reader.GetString(0), state, reader.GetInt32(2), state == States.Queued ? (int)reader.GetInt64(3) + 1 : null);
    }

    // Locks the group's row (creating it the first time) and reads its queued and running runs, oldest first.
    static async Task<List<GroupMember>> LockAsync(DbConnection connection, DbTransaction transaction, string group, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            """
            INSERT INTO concurrency_groups (group_key, changes) VALUES (@group, 0) ON CONFLICT DO NOTHING;
            UPDATE concurrency_groups SET changes = changes + 1 WHERE group_key = @group;
            SELECT run_id, state, run_limit FROM run_concurrency WHERE group_key = @group AND state <> @ended ORDER BY created_at, run_id;
            """,
            transaction, ("group", group), ("ended", States.Ended));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken))
        {
        }

        var members = new List<GroupMember>();
        while (await reader.ReadAsync(cancellationToken))
            members.Add(new GroupMember(reader.GetId(0), reader.GetString(1), reader.GetInt32(2)));
        return members;
    }

    sealed record GroupMember(Guid RunId, string State, int Limit);
}

/// <summary>Where a new run stands in its group: running now or queued, and the older runs cancel-in-progress cancels.</summary>
public sealed record Admission(bool Admitted, IReadOnlyList<Guid> Cancel);

/// <summary>A run's place in its concurrency group, as the API shows it.</summary>
/// <param name="Group">The group's name.</param>
/// <param name="State">Queued, Running or Ended.</param>
/// <param name="Limit">How many of the group's runs may run at once.</param>
/// <param name="Position">1 for the next run to get a slot, while queued.</param>
public sealed record GroupPlace(string Group, string State, int Limit, int? Position);

/// <summary>A run of a concurrency group with policy reject found no free slot.</summary>
public sealed class ConcurrencyLimitException(string group, int limit, IReadOnlyList<Guid> holders)
    : Exception($"Concurrency group '{group}' already has {limit} run(s) running or queued ({string.Join(", ", holders.Take(5))}) and its policy is reject.")
{
    /// <summary>The group.</summary>
    public string Group { get; } = group;
}
