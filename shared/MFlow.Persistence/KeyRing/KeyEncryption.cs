using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MFlow.Persistence.KeyRing;

/// <summary>
/// The key-encryption keys (KEK) that protect the Data Protection key ring at rest. The key ring
/// lives in the database beside what it protects (kubeconfigs, sensitive params and defaults), so
/// without a KEK whoever reads the database can decrypt everything; with one, they also need the
/// KEK, which operators keep elsewhere (a Kubernetes Secret, an environment variable).
/// </summary>
/// <remarks>
/// Configuration: <c>MFlow:DataProtection:KeyEncryptionKey</c> is 32 random bytes, base64
/// (<c>openssl rand -base64 32</c>); new keys of the ring are encrypted with it.
/// <c>MFlow:DataProtection:RetiredKeyEncryptionKeys:0</c>, <c>:1</c>... are earlier KEKs, still
/// used to decrypt keys they encrypted, so a KEK can be rotated without losing anything. Each
/// encrypted key names its KEK by a fingerprint (never the KEK itself).
/// </remarks>
public sealed class KeyEncryptionKeys
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:DataProtection";

    readonly Dictionary<string, byte[]> _byId = new(StringComparer.Ordinal);

    KeyEncryptionKeys(byte[] current, IEnumerable<byte[]> retired)
    {
        Current = current;
        CurrentId = Fingerprint(current);
        foreach (var key in retired.Prepend(current))
            _byId[Fingerprint(key)] = key;
    }

    /// <summary>The KEK new keys are encrypted with.</summary>
    public byte[] Current { get; }

    /// <summary>Its fingerprint, stored with each key it encrypts.</summary>
    public string CurrentId { get; }

    /// <summary>The configured KEKs, or null when none is configured (the key ring is then stored unencrypted).</summary>
    /// <exception cref="InvalidOperationException">A KEK is not 32 bytes of base64.</exception>
    public static KeyEncryptionKeys? From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (string.IsNullOrWhiteSpace(section["KeyEncryptionKey"]))
            return null;
        var retired = section.GetSection("RetiredKeyEncryptionKeys").GetChildren()
            .Select(child => Parse(child.Value, $"{Section}:RetiredKeyEncryptionKeys:{child.Key}"));
        return new KeyEncryptionKeys(Parse(section["KeyEncryptionKey"], $"{Section}:KeyEncryptionKey"), retired.ToList());
    }

    /// <summary>The KEK with this fingerprint, or null.</summary>
    public byte[]? Find(string id) => _byId.GetValueOrDefault(id);

    static byte[] Parse(string? value, string setting)
    {
        try
        {
            var key = Convert.FromBase64String(value?.Trim() ?? "");
            if (key.Length == 32)
                return key;
        }
        catch (FormatException)
        {
            // reported below, without the value
        }

        throw new InvalidOperationException($"{setting} must be 32 random bytes in base64 (openssl rand -base64 32).");
    }

    // Names a KEK without revealing it: the first 8 bytes of an HMAC of a fixed label under the key.
    static string Fingerprint(byte[] key) => Convert.ToHexString(HMACSHA256.HashData(key, "MFlow KEK fingerprint"u8)[..8]).ToLowerInvariant();
}

/// <summary>Encrypts each key of the Data Protection key ring with the current KEK (AES-256-GCM).</summary>
public sealed class KeyEncryptionKeyXmlEncryptor(KeyEncryptionKeys keys) : IXmlEncryptor
{
    internal static readonly XNamespace Ns = "https://mflow.dev/data-protection/kek";

    /// <inheritdoc />
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(keys.Current, tag.Length))
            aes.Encrypt(nonce, plaintext, ciphertext, tag, Encoding.UTF8.GetBytes(keys.CurrentId));
        CryptographicOperations.ZeroMemory(plaintext);

        var encrypted = new XElement(Ns + "encryptedKey",
            new XAttribute("kek", keys.CurrentId),
            new XAttribute("algorithm", "AES-256-GCM"),
            new XElement(Ns + "nonce", Convert.ToBase64String(nonce)),
            new XElement(Ns + "tag", Convert.ToBase64String(tag)),
            new XElement(Ns + "value", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(encrypted, typeof(KeyEncryptionKeyXmlDecryptor));
    }
}

/// <summary>Decrypts what <see cref="KeyEncryptionKeyXmlEncryptor"/> encrypted, with the KEK it names.</summary>
/// <remarks>Data Protection creates decryptors itself, through this constructor.</remarks>
public sealed class KeyEncryptionKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    /// <inheritdoc />
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var ns = KeyEncryptionKeyXmlEncryptor.Ns;
        var id = (string?)encryptedElement.Attribute("kek") ?? "";
        var keys = services.GetService<KeyEncryptionKeys>()
            ?? throw new CryptographicException($"The Data Protection key ring is encrypted with KEK {id}, but no {KeyEncryptionKeys.Section}:KeyEncryptionKey is configured.");
        var key = keys.Find(id)
            ?? throw new CryptographicException($"The Data Protection key ring holds a key encrypted with KEK {id}, which is neither the configured KeyEncryptionKey nor one of the RetiredKeyEncryptionKeys.");

        var nonce = Convert.FromBase64String((string)encryptedElement.Element(ns + "nonce")!);
        var tag = Convert.FromBase64String((string)encryptedElement.Element(ns + "tag")!);
        var ciphertext = Convert.FromBase64String((string)encryptedElement.Element(ns + "value")!);
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(key, tag.Length))
            aes.Decrypt(nonce, ciphertext, tag, plaintext, Encoding.UTF8.GetBytes(id));
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
