using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MFlow.Persistence;

/// <summary>Which database holds definitions and run state, bound from "MFlow:Database".</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Database";

    /// <summary>PostgreSQL (services) or SQLite (the embedded default).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Postgres;

    /// <summary>
    /// The connection string. Read from "ConnectionStrings:Postgres" (or "ConnectionStrings:Sqlite")
    /// when not set here.
    /// </summary>
    [Required(ErrorMessage = "No database connection string: set ConnectionStrings:Postgres (env ConnectionStrings__Postgres) or MFlow:Database:ConnectionString.")]
    public string? ConnectionString { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
            yield break;
        // The message never quotes the string: it may hold a password.
        string? problem = null;
        try
        {
            _ = Provider == DatabaseProvider.Postgres ? new NpgsqlConnectionStringBuilder(ConnectionString).Host : new SqliteConnectionStringBuilder(ConnectionString).DataSource;
        }
        catch (ArgumentException)
        {
            problem = $"The database connection string (MFlow:Database:ConnectionString or ConnectionStrings:{Provider}) is not a valid {Provider} connection string.";
        }

        if (problem is not null)
            yield return new ValidationResult(problem, [nameof(ConnectionString)]);
    }
}

/// <summary>The databases MFlow runs on.</summary>
public enum DatabaseProvider
{
    /// <summary>PostgreSQL 15 or later.</summary>
    Postgres,

    /// <summary>SQLite, for one process on one machine.</summary>
    Sqlite,
}
