using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MFlow.Kubernetes.Tests.Support;

/// <summary>Generates throwaway CA and client certificates as PEM, RSA or EC.</summary>
internal static class TestCertificates
{
    public static (string CertificatePem, string KeyPem) CreateCa(string name = "test-ca")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportRSAPrivateKeyPem());
    }

    /// <summary>A self-signed client certificate; <paramref name="keyFormat"/> is "rsa" (PKCS#1), "ec" (SEC1) or "pkcs8".</summary>
    public static (string CertificatePem, string KeyPem) CreateClient(string keyFormat, string name = "mflow-test")
    {
        if (keyFormat == "ec")
        {
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var ecRequest = new CertificateRequest($"CN={name}", ec, HashAlgorithmName.SHA256);
            using var ecCertificate = ecRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            return (ecCertificate.ExportCertificatePem(), ec.ExportECPrivateKeyPem());
        }

        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), keyFormat == "pkcs8" ? rsa.ExportPkcs8PrivateKeyPem() : rsa.ExportRSAPrivateKeyPem());
    }
}
