using System.Data.Common;

namespace MFlow.Persistence;

/// <summary>Small helpers that keep the SQL readable without a mapper.</summary>
public static class DbCommandExtensions
{
    /// <summary>Creates a command with the given SQL and named parameters (written @name in the SQL).</summary>
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value switch
            {
                null => DBNull.Value,
                // Npgsql only writes UTC offsets to timestamptz; SQLite stores the ISO text either way.
                DateTimeOffset at => at.ToUniversalTime(),
                _ => value,
            };
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Runs a statement and returns the rows it affected.</summary>
    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Reads a Guid column whatever the provider stored it as.</summary>
    public static Guid GetId(this DbDataReader reader, int ordinal) =>
        reader.GetFieldType(ordinal) == typeof(Guid) ? reader.GetGuid(ordinal) : Guid.Parse(reader.GetString(ordinal));

    /// <summary>Reads a timestamp column as a UTC DateTimeOffset whatever the provider stored it as.</summary>
    public static DateTimeOffset GetTimestamp(this DbDataReader reader, int ordinal) =>
        reader.GetFieldValue<DateTimeOffset>(ordinal).ToUniversalTime();

    /// <summary>Reads a nullable string column.</summary>
    public static string? GetNullableString(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>"@p0, @p1, ..." for an IN list, with its parameters.</summary>
    public static (string List, (string Name, object? Value)[] Parameters) InList<T>(string prefix, IEnumerable<T> values)
    {
        var parameters = values.Select((value, i) => ($"{prefix}{i}", (object?)value)).ToArray();
        return (string.Join(", ", parameters.Select(p => "@" + p.Item1)), parameters);
    }
}
