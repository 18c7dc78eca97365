namespace MFlow.Persistence;

/// <summary>Which database holds definitions and run state, bound from "MFlow:Database".</summary>
public sealed class DatabaseOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Database";

    /// <summary>PostgreSQL (services) or SQLite (the embedded default).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Postgres;

    /// <summary>
    /// The connection string. Read from "ConnectionStrings:Postgres" (or "ConnectionStrings:Sqlite")
    /// when not set here.
    /// </summary>
    public string? ConnectionString { get; set; }
}

/// <summary>The databases MFlow runs on.</summary>
public enum DatabaseProvider
{
    /// <summary>PostgreSQL 15 or later.</summary>
    Postgres,

    /// <summary>SQLite, for one process on one machine.</summary>
    Sqlite,
}
