using System.Data.Common;

namespace MFlow.Persistence.Runs;

/// <summary>
/// Each run's journal of changes, written in the transactions that make them (the aggregator's and
/// the scheduler's) and read by GET /api/v1/runs/{id}/events on any replica. Ids count per run from
/// 1 without gaps; the run's counter row stays locked from the append to the commit, so concurrent
/// writers of one run commit their ids in order and a reader never sees id N+1 before N.
/// </summary>
/// <remarks>
/// Append last in a transaction (after its other locks): the counter lock then serializes only the
/// commits of one run's writers, never their work, and cannot close a deadlock cycle.
/// </remarks>
public sealed class RunEventJournal(Database database, RunEventSignal signal)
{
    /// <summary>The PostgreSQL notification channel; the payload is the run id.</summary>
    public const string Channel = "mflow_run_events";

    /// <summary>
    /// Appends the changes (all of one run) in the caller's transaction, in one round trip, and
    /// announces them: PostgreSQL delivers the NOTIFY at commit, to every replica.
    /// </summary>
    public async Task AppendAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<RunChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
            return;
        var runId = changes[0].RunId;
        if (changes.Any(c => c.RunId != runId))
            throw new ArgumentException("The changes of one append belong to one run.", nameof(changes));

        var sql = new List<string>
        {
            """
            INSERT INTO run_event_counters (run_id, last_id) VALUES (@run, @count)
            ON CONFLICT (run_id) DO UPDATE SET last_id = run_event_counters.last_id + @count
            """,
        };
        var parameters = new List<(string, object?)> { ("run", runId), ("count", (long)changes.Count) };
        for (var i = 0; i < changes.Count; i++)
        {
            // The ids this append took end at the counter's new value.
            sql.Add($"""
                INSERT INTO run_events (run_id, id, type, at, state, task_id, task_name, attempt, reason, started_at, finished_at, stage_index, succeeded)
                VALUES (@run, (SELECT last_id FROM run_event_counters WHERE run_id = @run) - @count + {i + 1}, @type{i}, @at{i}, @state{i}, @task{i},
                    @name{i}, @attempt{i}, @reason{i}, @started{i}, @finished{i}, @stage{i}, @succeeded{i})
                """);
            var (state, taskId, name, attempt, reason, started, finished, stage, succeeded, at) = changes[i] switch
            {
                TaskStateChanged t => (t.State, (Guid?)t.TaskId, t.Task, (int?)t.Attempt, t.Reason, t.StartedAt, t.FinishedAt, (int?)null, (bool?)null,
                    t.FinishedAt ?? t.StartedAt ?? DateTimeOffset.UtcNow),
                StageCompletedChange s => (null, null, null, null, null, null, null, s.StageIndex, s.Succeeded, DateTimeOffset.UtcNow),
                RunStateChanged r => ((string?)r.State, (Guid?)null, (string?)null, (int?)null, (string?)null, (DateTimeOffset?)null, (DateTimeOffset?)null, (int?)null, (bool?)null, r.At),
                var other => throw new ArgumentException($"Unknown run change {other.GetType().Name}.", nameof(changes)),
            };
            parameters.AddRange([
                ($"type{i}", changes[i].Type), ($"at{i}", at), ($"state{i}", state), ($"task{i}", taskId), ($"name{i}", name), ($"attempt{i}", attempt),
                ($"reason{i}", reason), ($"started{i}", started), ($"finished{i}", finished), ($"stage{i}", stage), ($"succeeded{i}", succeeded)]);
        }

        if (database.Provider == DatabaseProvider.Postgres)
        {
            sql.Add($"SELECT pg_notify('{Channel}', @runText)");
            parameters.Add(("runText", runId.ToString()));
        }

        await connection.ExecuteAsync(string.Join(";\n", sql), transaction, cancellationToken, [.. parameters]);
        // SQLite has one process and one writer at a time: this transaction holds the write lock until
        // it ends, so a woken reader that takes the lock (see ReadAsync) reads after the commit.
        if (database.Provider == DatabaseProvider.Sqlite)
            signal.Pulse(runId);
    }

    /// <summary>The newest id of the run's journal (0 when it has none): what a snapshot read after it includes.</summary>
    public async Task<long> LastIdAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT last_id FROM run_event_counters WHERE run_id = @run", null, ("run", runId));
        return await command.ExecuteScalarAsync(cancellationToken) is { } last and not DBNull ? Convert.ToInt64(last) : 0;
    }

    /// <summary>
    /// The run's events after <paramref name="afterId"/>, oldest first, at most <paramref name="limit"/>,
    /// and whether the run had ended when they were read (the state is read first: an end seen there
    /// has its event among those read).
    /// </summary>
    public async Task<(IReadOnlyList<JournaledRunEvent> Events, bool RunEnded)> ReadAsync(Guid runId, long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // SQLite: wait for the writer that woke this reader to commit (see AppendAsync).
        await using var transaction = database.Provider == DatabaseProvider.Sqlite ? await connection.BeginTransactionAsync(cancellationToken) : null;
        await using var command = connection.Command(
            $"""
            SELECT state FROM {RunStatusReader.RunTable} WHERE run_id = @run;
            SELECT e.id, e.type, e.at, e.state, s.name, e.task_name, e.attempt, e.reason, e.started_at, e.finished_at, e.succeeded
            FROM run_events e
            LEFT JOIN {RunStatusReader.TaskTable} t ON t.task_id = e.task_id
            LEFT JOIN {RunStatusReader.StageTable} s ON s.run_id = e.run_id AND s.stage_index = COALESCE(e.stage_index, t.stage_index)
            WHERE e.run_id = @run AND e.id > @after ORDER BY e.id LIMIT @limit
            """,
            transaction, ("run", runId), ("after", afterId), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ended = await reader.ReadAsync(cancellationToken) && RunEventTypes.IsTerminal(reader.GetString(0));
        await reader.NextResultAsync(cancellationToken);
        var events = new List<JournaledRunEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new JournaledRunEvent(
                reader.GetInt64(0), reader.GetString(1), reader.GetTimestamp(2), reader.GetNullableString(3), reader.GetNullableString(4),
                reader.GetNullableString(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.GetNullableString(7),
                RunStatusReader.NullableTimestamp(reader, 8), RunStatusReader.NullableTimestamp(reader, 9), reader.IsDBNull(10) ? null : reader.GetBoolean(10)));
        }

        return (events, ended);
    }
}
