using System.Security.Cryptography;
using System.Text;
using MFlow.Persistence;

namespace MFlow.Scheduler.Security;

/// <summary>
/// API keys: random, shown once when created, stored only as a SHA-256 hash (the keys carry 256 bits
/// of entropy, so a fast hash is enough; nothing to brute-force).
/// </summary>
public sealed class ApiKeyStore(Database database)
{
    /// <summary>The prefix every MFlow key starts with, so a leaked one is recognisable.</summary>
    public const string Prefix = "mflow_";

    /// <summary>Creates a key; returns it in clear, the only time it is ever available.</summary>
    public async Task<(ApiKeyInfo Key, string Secret)> CreateAsync(string name, string role, string createdBy, CancellationToken cancellationToken, string? secret = null)
    {
        secret ??= Prefix + SecretTokens.New();
        var info = new ApiKeyInfo(Guid.CreateVersion7(), name, role, DateTimeOffset.UtcNow, createdBy, null);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO api_keys (id, name, role, key_hash, created_at, created_by) VALUES (@id, @name, @role, @hash, @at, @by)",
            null, cancellationToken,
            ("id", info.Id), ("name", name), ("role", role), ("hash", SecretTokens.Hash(secret)), ("at", info.CreatedAt), ("by", createdBy));
        return (info, secret);
    }

    /// <summary>Makes sure a key with this secret exists (the bootstrap admin key from configuration).</summary>
    public async Task EnsureAsync(string name, string role, string secret, CancellationToken cancellationToken)
    {
        if (await FindAsync(secret, cancellationToken) is not null)
            return;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO api_keys (id, name, role, key_hash, created_at, created_by) VALUES (@id, @name, @role, @hash, @at, 'configuration') ON CONFLICT DO NOTHING",
            null, cancellationToken,
            ("id", Guid.CreateVersion7()), ("name", name), ("role", role), ("hash", SecretTokens.Hash(secret)), ("at", DateTimeOffset.UtcNow));
    }

    /// <summary>The live key with this secret, or null.</summary>
    public async Task<ApiKeyInfo?> FindAsync(string secret, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT id, name, role, created_at, created_by, revoked_at FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL",
            null, ("hash", SecretTokens.Hash(secret)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Every key (never their secrets).</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT id, name, role, created_at, created_by, revoked_at FROM api_keys ORDER BY created_at");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(Read(reader));
        return keys;
    }

    /// <summary>True when any live key exists.</summary>
    public async Task<bool> AnyAsync(CancellationToken cancellationToken) => (await ListAsync(cancellationToken)).Any(k => k.RevokedAt is null);

    /// <summary>Revokes a key; false when there is no such live key.</summary>
    public async Task<bool> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("UPDATE api_keys SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL", null, cancellationToken,
            ("at", DateTimeOffset.UtcNow), ("id", id)) == 1;
    }

    static ApiKeyInfo Read(System.Data.Common.DbDataReader reader) => new(
        reader.GetId(0), reader.GetString(1), reader.GetString(2), reader.GetTimestamp(3), reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetTimestamp(5));
}

/// <summary>An API key as MFlow shows it: never its secret.</summary>
public sealed record ApiKeyInfo(Guid Id, string Name, string Role, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt);
