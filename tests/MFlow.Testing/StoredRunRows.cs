using System.Data.Common;
using System.Globalization;
using System.Text;

namespace MFlow.Testing;

/// <summary>
/// Every row the aggregator keeps for a run (its run, stages, tasks, task attempts and logs), every
/// column, as text: two snapshots are equal exactly when nothing about the run was written in between.
/// </summary>
public static class StoredRunRows
{
    static readonly (string Table, string Order)[] Tables =
    [
        ("run_status", "run_id"),
        ("run_stages", "stage_index"),
        ("run_tasks", "stage_index, position"),
        ("task_attempts", "task_id, attempt"),
        ("task_logs", "task_id, attempt"),
    ];

    /// <summary>Takes the snapshot through an open connection (PostgreSQL or SQLite).</summary>
    public static async Task<string> SnapshotAsync(DbConnection connection, Guid runId)
    {
        var text = new StringBuilder();
        foreach (var (table, order) in Tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} WHERE run_id = @run ORDER BY {order}";
            var parameter = command.CreateParameter();
            parameter.ParameterName = "run";
            parameter.Value = runId;
            command.Parameters.Add(parameter);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.Append(table).Append(':');
                for (var i = 0; i < reader.FieldCount; i++)
                    text.Append(' ').Append(reader.GetName(i)).Append('=').Append(Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture));
                text.Append('\n');
            }
        }

        return text.ToString();
    }
}
