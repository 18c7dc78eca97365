using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MFlow.Kubernetes.Fake.Certificates;

/// <summary>Writes the kubeconfig YAML a client (kubectl, MFlow's own client) needs to reach the fake.</summary>
internal static class Kubeconfig
{
    private const string Name = "fake";

    public static string WithToken(Uri server, string caPem, string @namespace, string token) =>
        Write(server, caPem, @namespace, $"    token: {token}\n");

    public static string WithClientCertificate(Uri server, string caPem, string @namespace, X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The client certificate has no ECDSA key.");
        var user = new StringBuilder()
            .Append("    client-certificate-data: ").Append(Base64(certificate.ExportCertificatePem() + "\n")).Append('\n')
            .Append("    client-key-data: ").Append(Base64(ExportKeyPem(key))).Append('\n')
            .ToString();
        return Write(server, caPem, @namespace, user);
    }

    private static string ExportKeyPem(ECDsa key) => key.ExportPkcs8PrivateKeyPem() + "\n";

    private static string Write(Uri server, string caPem, string @namespace, string user) =>
        $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {{Name}}
          cluster:
            server: {{server.GetLeftPart(UriPartial.Authority)}}
            certificate-authority-data: {{Base64(caPem)}}
        contexts:
        - name: {{Name}}
          context:
            cluster: {{Name}}
            user: {{Name}}
            namespace: {{@namespace}}
        current-context: {{Name}}
        preferences: {}
        users:
        - name: {{Name}}
          user:

        """ + user;

    private static string Base64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));
}
