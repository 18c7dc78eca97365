using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MFlow.Kubernetes.Fake.Certificates;

/// <summary>
/// A throwaway CA, made fresh per server: it signs the server's TLS certificate and the client
/// certificates put in kubeconfigs, and is the only root client certificates are checked against.
/// ECDSA P-256 keeps generation fast; Go and .NET clients both accept it.
/// </summary>
internal sealed class CertificateAuthority : IDisposable
{
    private static readonly Oid _serverAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid _clientAuth = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2 _certificate;

    private CertificateAuthority(X509Certificate2 certificate)
    {
        _certificate = certificate;
        CertificatePem = certificate.ExportCertificatePem() + "\n";
    }

    public string CertificatePem { get; }

    public static CertificateAuthority Create(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        // The CA outlives every certificate it will sign: a leaf may not end after its issuer.
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2));
        return new CertificateAuthority(Reload(certificate));
    }

    /// <summary>A TLS server certificate for loopback: SAN 127.0.0.1, ::1 and localhost.</summary>
    public X509Certificate2 IssueServerCertificate()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        return Issue("CN=kube-apiserver", _serverAuth, names.Build());
    }

    /// <summary>A client certificate the way Kubernetes reads one: CN is the user, each O a group.</summary>
    public X509Certificate2 IssueClientCertificate(string user, IEnumerable<string> groups)
    {
        var subject = new X500DistinguishedNameBuilder();
        foreach (var group in groups)
        {
            subject.AddOrganizationName(group);
        }

        subject.AddCommonName(user);
        return Issue(subject.Build().Name, _clientAuth, null);
    }

    /// <summary>Whether a client certificate chains to this CA and is meant for client authentication.</summary>
    public bool Validates(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(_clientAuth);
        return chain.Build(certificate);
    }

    public void Dispose() => _certificate.Dispose();

    private X509Certificate2 Issue(string subject, Oid usage, X509Extension? alternativeNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));
        if (alternativeNames is not null)
        {
            request.CertificateExtensions.Add(alternativeNames);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        using var signed = request.Create(_certificate, now.AddMinutes(-5), now.AddYears(1), serial);
        using var withKey = signed.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    /// <summary>
    /// Round-trips through PKCS#12 so the private key is a persisted one: SslStream on Windows refuses
    /// ephemeral keys, and doing it everywhere keeps one code path.
    /// </summary>
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
}
