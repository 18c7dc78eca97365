using System.Security.Cryptography;
using System.Text;

namespace MFlow.ServiceDefaults;

/// <summary>
/// Name-based UUIDs (RFC 9562 version 5): the same namespace and name always give the same id, so a
/// redelivered request or a replayed plan derives the ids it derived the first time.
/// </summary>
public static class DeterministicGuid
{
    /// <summary>Namespace for run ids derived from idempotency keys.</summary>
    public static readonly Guid RunNamespace = new("3b0c1d5e-7f64-4b8e-9a51-6d2f0c8e4a17");

    /// <summary>Creates the version 5 UUID of <paramref name="name"/> in <paramref name="namespaceId"/>.</summary>
    public static Guid Create(Guid namespaceId, string name)
    {
        Span<byte> namespaceBytes = stackalloc byte[16];
        namespaceId.TryWriteBytes(namespaceBytes, bigEndian: true, out _);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        namespaceBytes.CopyTo(input);
        nameBytes.CopyTo(input, 16);

        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50); // version 5
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(bytes, bigEndian: true);
    }
}
