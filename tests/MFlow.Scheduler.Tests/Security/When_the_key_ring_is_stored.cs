using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MFlow.Persistence.KeyRing;

namespace MFlow.Scheduler.Tests.Security;

public sealed class When_the_key_ring_is_stored
{
    static readonly string Kek = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    static readonly string OtherKek = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    readonly StoredElements _stored = new();

    IDataProtector Protector(string? kek, params string[] retired)
    {
        var settings = new Dictionary<string, string?> { ["MFlow:DataProtection:KeyEncryptionKey"] = kek };
        for (var i = 0; i < retired.Length; i++)
            settings[$"MFlow:DataProtection:RetiredKeyEncryptionKeys:{i}"] = retired[i];
        var services = new ServiceCollection().AddLogging();
        services.AddKeyRing(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), _ => _stored);
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
    }

    [Fact]
    public void Should_keep_no_key_material_in_clear_and_decrypt_after_a_restart()
    {
        var secret = Protector(Kek).Protect("kubeconfig-marker");

        var xml = Assert.Single(_stored.Elements).ToString();
        Assert.DoesNotContain("<masterKey", xml);
        Assert.Contains("encryptedKey", xml);
        Assert.Contains("AES-256-GCM", xml);
        Assert.DoesNotContain(Kek, xml);
        // A new process over the same stored ring, with the same KEK.
        Assert.Equal("kubeconfig-marker", Protector(Kek).Unprotect(secret));
    }

    [Fact]
    public void Should_decrypt_with_a_retired_kek_after_rotation()
    {
        var secret = Protector(Kek).Protect("value");

        Assert.Equal("value", Protector(OtherKek, retired: Kek).Unprotect(secret));
    }

    [Fact]
    public void Should_refuse_to_decrypt_without_the_kek_that_encrypted_the_ring()
    {
        var secret = Protector(Kek).Protect("value");

        var error = Assert.ThrowsAny<CryptographicException>(() => Protector(OtherKek).Unprotect(secret));
        Assert.Contains("neither the configured KeyEncryptionKey nor one of the RetiredKeyEncryptionKeys", error.ToString());
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQ=")]
    public void Should_refuse_a_kek_that_is_not_32_bytes_of_base64(string kek)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Protector(kek));

        Assert.Equal("MFlow:DataProtection:KeyEncryptionKey must be 32 random bytes in base64 (openssl rand -base64 32).", error.Message);
    }

    sealed class StoredElements : IXmlRepository
    {
        public List<XElement> Elements { get; } = [];

        public IReadOnlyCollection<XElement> GetAllElements() => Elements.Select(e => new XElement(e)).ToList();

        public void StoreElement(XElement element, string friendlyName) => Elements.Add(new XElement(element));
    }
}
