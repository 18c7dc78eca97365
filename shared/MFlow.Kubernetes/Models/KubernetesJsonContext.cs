using System.Text.Json.Serialization;

namespace MFlow.Kubernetes.Models;

/// <summary>
/// Source-generated System.Text.Json metadata for the models: camelCase names, nulls omitted on
/// write, unknown members ignored on read (the server adds fields between versions), timestamps
/// as RFC 3339 the way the API server writes them.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(Rfc3339DateTimeOffsetConverter)])]
[JsonSerializable(typeof(Job))]
[JsonSerializable(typeof(JobList))]
[JsonSerializable(typeof(WatchEvent<Job>))]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(PodList))]
[JsonSerializable(typeof(WatchEvent<Pod>))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(SecretList))]
[JsonSerializable(typeof(WatchEvent<Secret>))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(ConfigMapList))]
[JsonSerializable(typeof(WatchEvent<ConfigMap>))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(LeaseList))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(DeleteOptions))]
public sealed partial class KubernetesJsonContext : JsonSerializerContext;
