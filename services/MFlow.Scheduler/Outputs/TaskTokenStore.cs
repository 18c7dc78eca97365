using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using MFlow.Persistence;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Outputs;

/// <summary>
/// Each task attempt's update token: 256 random bits, handed to the task alone (through its Secret),
/// stored here only as a SHA-256 hash and compared in constant time.
/// </summary>
public sealed class TaskTokenStore(Database database)
{
    /// <summary>
    /// Issues an attempt's token to each of <paramref name="taskIds"/> in the dispatch transaction, with
    /// one statement; returns them in clear, by task, for the tasks' Secrets.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, string>> IssueAsync(
        DbConnection connection, DbTransaction transaction, Guid runId, IReadOnlyList<Guid> taskIds, int attempt, CancellationToken cancellationToken)
    {
        var tokens = taskIds.Distinct().ToDictionary(taskId => taskId, _ => SecretTokens.New());
        if (tokens.Count == 0)
            return tokens;

        var parameters = new List<(string, object?)> { ("attempt", attempt), ("run", runId), ("at", DateTimeOffset.UtcNow) };
        var rows = new List<string>();
        foreach (var (taskId, token) in tokens)
        {
            var i = rows.Count;
            rows.Add($"(@task{i}, @attempt, @run, @hash{i}, @at)");
            parameters.Add(($"task{i}", taskId));
            parameters.Add(($"hash{i}", SecretTokens.Hash(token)));
        }

        await connection.ExecuteAsync(
            $"""
            INSERT INTO task_tokens (task_id, attempt, run_id, token_hash, created_at) VALUES {string.Join(", ", rows)}
            ON CONFLICT (task_id, attempt) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at
            """,
            transaction, cancellationToken, [.. parameters]);
        return tokens;
    }

    /// <summary>
    /// Issues the token of one later attempt (a retry or a resume), or returns null when that attempt
    /// has one already: a duplicate dispatch request finds it and dispatches nothing, so the Job a
    /// worker may have created already keeps the token that is stored. Concurrent requests wait for
    /// each other on the row, and only one gets a token.
    /// </summary>
    public async Task<string?> IssueOnceAsync(DbConnection connection, DbTransaction transaction, Guid runId, Guid taskId, int attempt, CancellationToken cancellationToken)
    {
        var token = SecretTokens.New();
        var inserted = await connection.ExecuteAsync(
            """
            INSERT INTO task_tokens (task_id, attempt, run_id, token_hash, created_at) VALUES (@task, @attempt, @run, @hash, @at)
            ON CONFLICT (task_id, attempt) DO NOTHING
            """,
            transaction, cancellationToken, ("task", taskId), ("attempt", attempt), ("run", runId), ("hash", SecretTokens.Hash(token)), ("at", DateTimeOffset.UtcNow));
        return inserted == 1 ? token : null;
    }

    /// <summary>
    /// The run and attempt a token was issued to for this task, and the task's newest attempt that has
    /// a token (a later one means this token's attempt was superseded), or null when it is no token of the task's.
    /// </summary>
    public async Task<(Guid RunId, int Attempt, int NewestAttempt)?> MatchAsync(Guid taskId, string token, CancellationToken cancellationToken)
    {
        var presented = Encoding.ASCII.GetBytes(SecretTokens.Hash(token));
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT run_id, attempt, token_hash FROM task_tokens WHERE task_id = @task", null, ("task", taskId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        (Guid, int)? match = null;
        var newest = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            newest = Math.Max(newest, reader.GetInt32(1));
            // Every row is compared, whether or not one matched already: the time taken says nothing.
            if (CryptographicOperations.FixedTimeEquals(presented, Encoding.ASCII.GetBytes(reader.GetString(2))))
                match = (reader.GetId(0), reader.GetInt32(1));
        }

        return match is var (run, attempt) ? (run, attempt, newest) : null;
    }
}
