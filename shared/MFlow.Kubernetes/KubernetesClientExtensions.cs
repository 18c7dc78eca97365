using System.Text.Json.Nodes;
using MFlow.Kubernetes.Errors;
using MFlow.Kubernetes.Models;
using MFlow.Kubernetes.Naming;

namespace MFlow.Kubernetes;

/// <summary>Conveniences built on <see cref="IKubernetesClient"/>.</summary>
public static class KubernetesClientExtensions
{
    /// <summary>
    /// Sets or removes labels and annotations of a Job with a JSON merge patch; a null value
    /// removes the key, keys not mentioned are left alone.
    /// </summary>
    /// <exception cref="ArgumentException">A label key or value breaks the label rules.</exception>
    public static Task<Job> PatchJobMetadataAsync(
        this IKubernetesClient client,
        string @namespace,
        string name,
        IReadOnlyDictionary<string, string?>? labels,
        IReadOnlyDictionary<string, string?>? annotations = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PatchJobAsync(@namespace, name, MetadataMergePatch(labels, annotations), cancellationToken);
    }

    /// <summary>Deletes a Job if it exists; returns whether it did.</summary>
    public static async Task<bool> DeleteJobIfExistsAsync(
        this IKubernetesClient client,
        string @namespace,
        string name,
        PropagationPolicy propagation = PropagationPolicy.Background,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            await client.DeleteJobAsync(@namespace, name, propagation, cancellationToken);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    /// <summary>Builds <c>{"metadata":{"labels":{...},"annotations":{...}}}</c>, validating label keys and values.</summary>
    internal static string MetadataMergePatch(IReadOnlyDictionary<string, string?>? labels, IReadOnlyDictionary<string, string?>? annotations)
    {
        var metadata = new JsonObject();
        if (labels is { Count: > 0 })
        {
            var node = new JsonObject();
            foreach (var (key, value) in labels)
            {
                if (!KubernetesNames.IsLabelKey(key) || (value is not null && !KubernetesNames.IsLabelValue(value)))
                {
                    throw new ArgumentException($"Label '{key}={value}' breaks the label key/value rules.", nameof(labels));
                }

                node[key] = value;
            }

            metadata["labels"] = node;
        }

        if (annotations is { Count: > 0 })
        {
            var node = new JsonObject();
            foreach (var (key, value) in annotations)
            {
                if (!KubernetesNames.IsLabelKey(key))
                {
                    throw new ArgumentException($"Annotation key '{key}' breaks the key rules.", nameof(annotations));
                }

                node[key] = value;
            }

            metadata["annotations"] = node;
        }

        return new JsonObject { ["metadata"] = metadata }.ToJsonString();
    }
}
