using System.Data.Common;
using System.Text.Json;
using MFlow.Persistence;

namespace MFlow.Scheduler.Definitions;

/// <summary>
/// Job and pipeline definitions with their lifecycle. Stage changes are conditional updates, so two
/// admins publishing and editing the same draft at once cannot both win; every change is recorded
/// with who made it, when and why.
/// </summary>
public sealed class DefinitionStore(Database database, DefinitionSecrets secrets)
{
    const string Columns = "id, type, name, namespace, domain, version, kind, stage, labels, document, created_at, created_by, updated_at, updated_by, published_at, deprecated_at";

    /// <summary>Creates a draft; null when the unique name is taken.</summary>
    public async Task<StoredDefinition?> CreateAsync(string type, DefinitionName name, string? kind, IReadOnlyDictionary<string, string> labels, string document, string actor, string? reason, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        // The stored definition is read back after this connection went back to the pool.
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var rows = await connection.ExecuteAsync(
                """
                INSERT INTO definitions (id, type, name, namespace, domain, version, unique_name, kind, stage, labels, document, created_at, created_by, updated_at, updated_by)
                VALUES (@id, @type, @name, @ns, @domain, @version, @unique, @kind, @stage, @labels, @document, @at, @actor, @at, @actor)
                ON CONFLICT DO NOTHING
                """,
                transaction, cancellationToken,
                ("id", id), ("type", type), ("name", name.Name), ("ns", name.Namespace), ("domain", name.Domain), ("version", name.Version),
                ("unique", name.ToString()), ("kind", kind), ("stage", DefinitionStages.Draft), ("labels", JsonSerializer.Serialize(labels)),
                ("document", secrets.Seal(type, document)), ("at", now), ("actor", actor));
            if (rows == 0)
                return null;
            await RecordAsync(connection, transaction, id, "create", actor, reason, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return await GetAsync(type, id, cancellationToken);
    }

    /// <summary>A definition by id.</summary>
    public async Task<StoredDefinition?> GetAsync(string type, Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM definitions WHERE type = @type AND id = @id", cancellationToken, ("type", type), ("id", id))).FirstOrDefault();

    /// <summary>
    /// A definition by unique name: an exact version in whatever stage it is, or for "latest" the
    /// newest published version (deprecated and draft versions are never "latest").
    /// </summary>
    public async Task<StoredDefinition?> FindAsync(string type, DefinitionName name, CancellationToken cancellationToken)
    {
        if (!name.IsLatest)
        {
            return (await QueryAsync($"SELECT {Columns} FROM definitions WHERE type = @type AND unique_name = @unique", cancellationToken,
                ("type", type), ("unique", name.ToString()))).FirstOrDefault();
        }

        return (await QueryAsync(
            $"""
            SELECT {Columns} FROM definitions
            WHERE type = @type AND name = @name AND namespace = @ns AND domain = @domain AND stage = @stage
            ORDER BY published_at DESC LIMIT 1
            """,
            cancellationToken, ("type", type), ("name", name.Name), ("ns", name.Namespace), ("domain", name.Domain), ("stage", DefinitionStages.Published))).FirstOrDefault();
    }

    /// <summary>Definitions matching every given filter, by unique name.</summary>
    public async Task<IReadOnlyList<StoredDefinition>> ListAsync(string type, DefinitionFilter filter, CancellationToken cancellationToken)
    {
        var sql = $"SELECT {Columns} FROM definitions WHERE type = @type";
        var parameters = new List<(string, object?)> { ("type", type) };
        foreach (var (column, value) in new[] { ("name", filter.Name), ("namespace", filter.Namespace), ("domain", filter.Domain), ("stage", filter.Stage) })
        {
            if (value is null)
                continue;
            sql += $" AND {column} = @{column}";
            parameters.Add((column, value));
        }

        var found = await QueryAsync(sql + " ORDER BY unique_name", cancellationToken, [.. parameters]);
        // Labels live in a JSON column; filtering them here keeps the SQL the same on both databases.
        return found.Where(d => filter.Labels.All(l => d.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
    }

    /// <summary>Replaces a draft's document.</summary>
    public async Task<ChangeOutcome> UpdateDraftAsync(string type, Guid id, string? kind, IReadOnlyDictionary<string, string> labels, string document, string actor, string? reason, CancellationToken cancellationToken) =>
        await ChangeAsync(type, id, "update", actor, reason, cancellationToken,
            "UPDATE definitions SET document = @document, labels = @labels, kind = @kind, updated_at = @at, updated_by = @actor WHERE type = @type AND id = @id AND stage = @draft",
            ("document", secrets.Seal(type, document)), ("labels", JsonSerializer.Serialize(labels)), ("kind", kind), ("draft", DefinitionStages.Draft));

    /// <summary>Publishes a draft: from now on it is immutable and usable by runs.</summary>
    public Task<ChangeOutcome> PublishAsync(string type, Guid id, string actor, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(type, id, "publish", actor, reason, cancellationToken,
            "UPDATE definitions SET stage = @published, published_at = @at, updated_at = @at, updated_by = @actor WHERE type = @type AND id = @id AND stage = @draft",
            ("published", DefinitionStages.Published), ("draft", DefinitionStages.Draft));

    /// <summary>Deprecates a published definition: no new run may use it.</summary>
    public Task<ChangeOutcome> DeprecateAsync(string type, Guid id, string actor, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(type, id, "deprecate", actor, reason, cancellationToken,
            "UPDATE definitions SET stage = @deprecated, deprecated_at = @at, updated_at = @at, updated_by = @actor WHERE type = @type AND id = @id AND stage = @published",
            ("deprecated", DefinitionStages.Deprecated), ("published", DefinitionStages.Published));

    /// <summary>Deletes a draft.</summary>
    public Task<ChangeOutcome> DeleteDraftAsync(string type, Guid id, string actor, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(type, id, "delete", actor, reason, cancellationToken,
            "DELETE FROM definitions WHERE type = @type AND id = @id AND stage = @draft",
            ("draft", DefinitionStages.Draft));

    /// <summary>A definition's changes, oldest first.</summary>
    public async Task<IReadOnlyList<DefinitionChange>> ChangesAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT action, actor, reason, at FROM definition_changes WHERE definition_id = @id ORDER BY id", null, ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var changes = new List<DefinitionChange>();
        while (await reader.ReadAsync(cancellationToken))
            changes.Add(new DefinitionChange(reader.GetString(0), reader.GetString(1), reader.GetNullableString(2), reader.GetTimestamp(3)));
        return changes;
    }

    async Task<ChangeOutcome> ChangeAsync(string type, Guid id, string action, string actor, string? reason, CancellationToken cancellationToken, string sql, params (string, object?)[] extra)
    {
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var rows = await connection.ExecuteAsync(sql, transaction, cancellationToken,
                [("type", type), ("id", id), ("at", DateTimeOffset.UtcNow), ("actor", actor), .. extra]);
            if (rows > 0)
            {
                await RecordAsync(connection, transaction, id, action, actor, reason, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return ChangeOutcome.Done;
            }

            await transaction.RollbackAsync(cancellationToken);
        }

        // Why nothing changed, read after this connection went back to the pool.
        return await GetAsync(type, id, cancellationToken) is null ? ChangeOutcome.NotFound : ChangeOutcome.WrongStage;
    }

    static Task<int> RecordAsync(DbConnection connection, DbTransaction transaction, Guid id, string action, string actor, string? reason, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(
            "INSERT INTO definition_changes (definition_id, action, actor, reason, at) VALUES (@id, @action, @actor, @reason, @at)",
            transaction, cancellationToken, ("id", id), ("action", action), ("actor", actor), ("reason", reason), ("at", DateTimeOffset.UtcNow));

    async Task<IReadOnlyList<StoredDefinition>> QueryAsync(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(sql, null, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<StoredDefinition>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new StoredDefinition(
                reader.GetId(0), reader.GetString(1),
                new DefinitionName(reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)),
                reader.GetNullableString(6), reader.GetString(7),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(8)) ?? [],
                reader.GetString(9), reader.GetTimestamp(10), reader.GetString(11), reader.GetTimestamp(12), reader.GetString(13),
                reader.IsDBNull(14) ? null : reader.GetTimestamp(14), reader.IsDBNull(15) ? null : reader.GetTimestamp(15)));
        }

        return found;
    }
}

/// <summary>What to list definitions by; null means any.</summary>
public sealed record DefinitionFilter(string? Name, string? Namespace, string? Domain, string? Stage, IReadOnlyDictionary<string, string> Labels);
