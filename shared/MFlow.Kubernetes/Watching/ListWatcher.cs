using MFlow.Kubernetes.Models;
using Microsoft.Extensions.Logging;

namespace MFlow.Kubernetes.Watching;

/// <summary>Creates <see cref="ListWatcher{T}"/>s over a <see cref="IKubernetesClient"/>.</summary>
public static class ListWatcher
{
    /// <summary>Watches Jobs of a namespace (all namespaces when null) matching a label selector.</summary>
    public static ListWatcher<Job> ForJobs(IKubernetesClient client, string? @namespace, string? labelSelector = null, ListWatcherOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new ListWatcherOptions();
        return new ListWatcher<Job>(
            async cancellationToken => await client.ListJobsAsync(@namespace, new ListOptions { LabelSelector = labelSelector }, cancellationToken),
            (resourceVersion, cancellationToken) => client.WatchJobsAsync(@namespace, WatchFrom(resourceVersion, labelSelector, options), cancellationToken),
            options,
            logger);
    }

    /// <summary>Watches Pods of a namespace (all namespaces when null) matching a label selector.</summary>
    public static ListWatcher<Pod> ForPods(IKubernetesClient client, string? @namespace, string? labelSelector = null, ListWatcherOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new ListWatcherOptions();
        return new ListWatcher<Pod>(
            async cancellationToken => await client.ListPodsAsync(@namespace, new ListOptions { LabelSelector = labelSelector }, cancellationToken),
            (resourceVersion, cancellationToken) => client.WatchPodsAsync(@namespace, WatchFrom(resourceVersion, labelSelector, options), cancellationToken),
            options,
            logger);
    }

    private static WatchOptions WatchFrom(string resourceVersion, string? labelSelector, ListWatcherOptions options) =>
        new()
        {
            ResourceVersion = resourceVersion,
            LabelSelector = labelSelector,
            Timeout = options.WatchTimeout,
            AllowBookmarks = true,
        };
}
