using System.Security.Cryptography;
using System.Text;

namespace MFlow.Scheduler.Security;

/// <summary>
/// The random secrets MFlow hands out (API keys, update tokens) and the only form it stores them in.
/// 256 random bits leave nothing to brute-force, so a fast hash is enough.
/// </summary>
public static class SecretTokens
{
    /// <summary>A new secret: 256 random bits, base64url without padding.</summary>
    public static string New() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The stored form of a key or token: hex SHA-256.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
