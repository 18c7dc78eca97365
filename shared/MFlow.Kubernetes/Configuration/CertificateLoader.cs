using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MFlow.Kubernetes.Configuration;

/// <summary>Loads CA bundles and client certificates from PEM, wrapping failures without echoing key material.</summary>
internal static class CertificateLoader
{
    public static X509Certificate2Collection LoadCaFile(string path, string what)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"Cannot read {what} file '{path}': {ex.Message}", ex);
        }

        return LoadCaPem(pem, $"{what} file '{path}'");
    }

    public static X509Certificate2Collection LoadCaPem(string pem, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new KubernetesConfigurationException($"{what} is not a valid PEM certificate bundle: {ex.Message}", ex);
        }

        return collection.Count > 0
            ? collection
            : throw new KubernetesConfigurationException($"{what} contains no PEM certificate.");
    }

    /// <summary>Pairs a PEM certificate with its PEM private key (PKCS#1 RSA, SEC1 EC or PKCS#8).</summary>
    public static X509Certificate2 LoadClientCertificate(string certificatePem, string keyPem, string what)
    {
        try
        {
            var certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            if (!OperatingSystem.IsWindows())
            {
                return certificate;
            }

            // SChannel cannot use the ephemeral key CreateFromPem produces; a PKCS#12 round trip
            // gives it a key it can use. Other platforms use the certificate as is.
            using (certificate)
            {
                return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
            }
        }
        catch (CryptographicException ex)
        {
            throw new KubernetesConfigurationException($"The client certificate and key of {what} cannot be loaded: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new KubernetesConfigurationException($"The client certificate and key of {what} cannot be loaded: {ex.Message}", ex);
        }
    }
}
