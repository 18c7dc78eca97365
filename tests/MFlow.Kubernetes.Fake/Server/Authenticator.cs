using MFlow.Kubernetes.Fake.Certificates;
using Microsoft.AspNetCore.Http;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>Bearer tokens and client certificates (CN = user), like the apiserver's x509 and token authenticators.</summary>
internal sealed class Authenticator(IReadOnlyDictionary<string, string> tokens, CertificateAuthority authority)
{
    /// <summary>The user the request authenticates as, or null.</summary>
    public string? Authenticate(HttpContext context)
    {
        // Kestrel already refused certificates that do not chain to the CA; check again so that a
        // certificate accepted by some other path never authenticates.
        if (context.Connection.ClientCertificate is { } certificate && authority.Validates(certificate))
        {
            return certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && tokens.TryGetValue(header[scheme.Length..].Trim(), out var user))
        {
            return user;
        }

        return null;
    }
}
