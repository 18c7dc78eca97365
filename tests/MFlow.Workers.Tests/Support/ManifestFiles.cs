using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MFlow.Kubernetes.Fake;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MFlow.Workers.Tests.Support;

/// <summary>Reads manifest YAML the way kubectl does (YAML 1.2 core schema) and sends it to an API server as is.</summary>
public static partial class ManifestFiles
{
    /// <summary>The object in a one-document YAML file, as the JSON kubectl would send.</summary>
    public static JsonObject Read(string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
            stream.Load(reader);
        return Assert.IsType<JsonObject>(ToJson(Assert.Single(stream.Documents).RootNode));
    }

    /// <summary>An HTTP client for the fake API server: its CA trusted, its bearer token sent.</summary>
    public static HttpClient ClientFor(FakeKubernetesServer server)
    {
        var authority = X509Certificate2.CreateFromPem(server.CaCertificatePem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                        return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(authority);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);
        return client;
    }

    /// <summary>POSTs an object to its collection, as <c>kubectl create -f</c> does; returns status and body.</summary>
    public static async Task<(int Status, string Body)> CreateAsync(HttpClient client, JsonObject manifest)
    {
        var ns = manifest["metadata"]?["namespace"]?.GetValue<string>() ?? "default";
        var path = (manifest["apiVersion"]?.GetValue<string>(), manifest["kind"]?.GetValue<string>()) switch
        {
            ("batch/v1", "Job") => $"apis/batch/v1/namespaces/{ns}/jobs",
            ("v1", "Secret") => $"api/v1/namespaces/{ns}/secrets",
            ("v1", "ConfigMap") => $"api/v1/namespaces/{ns}/configmaps",
            var other => throw new InvalidOperationException($"Unexpected manifest {other}"),
        };
        using var content = new StringContent(manifest.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(path, content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(e => KeyValuePair.Create(((YamlScalarNode)e.Key).Value!, ToJson(e.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar when scalar.Style is ScalarStyle.Plain => Plain(scalar.Value ?? ""),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType}"),
    };

    // An unquoted scalar means what the YAML 1.2 core schema says: null, a boolean, a number or a string.
    static JsonNode? Plain(string text) => text switch
    {
        "" or "~" or "null" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when Integer().IsMatch(text) => JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture)),
        _ when Real().IsMatch(text) => JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(text),
    };

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Real();
}
