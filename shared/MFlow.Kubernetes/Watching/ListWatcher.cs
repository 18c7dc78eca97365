using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Kubernetes.Watching;

/// <summary>
/// The list-then-watch loop a controller runs (an informer without a cache), which the official
/// client leaves to its users: list, deliver a <see cref="ListWatchEventType.Synced"/> snapshot, then
/// watch from the list's resource version and deliver each change. A watch that ends or loses its
/// connection resumes from the last resource version seen (bookmarks included), so no change is
/// missed; when that version is too old (410 Gone) it lists again and delivers a new snapshot, from
/// which the consumer reconciles what changed or vanished meanwhile. Failures are retried with capped
/// exponential backoff until cancelled. Nothing is polled.
/// </summary>
/// <typeparam name="T">The watched object type.</typeparam>
/// <param name="list">Lists the current objects: the list's resource version and its items.</param>
/// <param name="watch">Watches changes after a resource version.</param>
/// <param name="options">Backoff and watch timeout; defaults when null.</param>
/// <param name="logger">Receives reconnect messages.</param>
public sealed partial class ListWatcher<T>(
    Func<CancellationToken, Task<(string? ResourceVersion, IList<T> Items)>> list,
    Func<string, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> watch,
    ListWatcherOptions? options = null,
    ILogger? logger = null)
    where T : IKubernetesObject<V1ObjectMeta>
{
    readonly ListWatcherOptions _options = options ?? new ListWatcherOptions();
    readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>
    /// Runs the loop until <paramref name="cancellationToken"/> is cancelled (then the enumeration
    /// throws <see cref="OperationCanceledException"/>). The first event is always a snapshot.
    /// </summary>
    public async IAsyncEnumerable<ListWatchEvent<T>> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? resourceVersion = null;
        var failures = 0; // consecutive, without an event in between
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (resourceVersion is null)
            {
                (string? ResourceVersion, IList<T> Items) snapshot;
                try
                {
                    snapshot = await list(cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    var delay = Backoff(++failures);
                    LogListFailed(_logger, ex, typeof(T).Name, delay);
                    await Task.Delay(delay, _options.TimeProvider, cancellationToken);
                    continue;
                }

                // A server always sets it; "0" (any version) keeps a misbehaving one from looping on null.
                resourceVersion = snapshot.ResourceVersion is { Length: > 0 } listed ? listed : "0";
                yield return new ListWatchEvent<T>(ListWatchEventType.Synced, default, [.. snapshot.Items]);
            }

            Exception? error = null;
            var received = false;
            var changes = watch(resourceVersion, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await changes.MoveNextAsync())
                            break;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        error = ex;
                        break;
                    }

                    var (type, changed) = changes.Current;
                    received = true;
                    failures = 0;
                    if (changed?.Metadata?.ResourceVersion is { Length: > 0 } seen)
                        resourceVersion = seen;
                    // Bookmarks only move the resource version forward (done above).
                    if (type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted && changed is not null)
                        yield return new ListWatchEvent<T>((ListWatchEventType)type, changed, []);
                }
            }
            finally
            {
                await DisposeQuietlyAsync(changes);
            }

            if (error?.Is(System.Net.HttpStatusCode.Gone) == true)
            {
                // The version fell out of the server's history: only a new list can tell what happened since.
                resourceVersion = null;
                LogGone(_logger, typeof(T).Name);
                if (++failures == 1)
                    continue;
            }
            else if (error is not null || !received)
            {
                failures++; // an error, or ended without a single event: renew, but do not spin
            }
            else
            {
                continue; // the server ended a healthy watch (its timeout): renew at once
            }

            var wait = Backoff(failures);
            LogReconnecting(_logger, typeof(T).Name, error?.Message ?? "watch ended without events", wait);
            await Task.Delay(wait, _options.TimeProvider, cancellationToken);
        }
    }

    TimeSpan Backoff(int failures) => KubernetesRequestHandler.Backoff(failures, _options.InitialBackoff, _options.MaxBackoff);

    static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<(WatchEventType, T)> changes)
    {
        try
        {
            await changes.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            // Closing a broken connection can fail too; the watch is over either way.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing {Kind} failed; retrying in {Delay}")]
    private static partial void LogListFailed(ILogger logger, Exception exception, string kind, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Kind}: {Error}; resuming in {Delay}")]
    private static partial void LogReconnecting(ILogger logger, string kind, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Kind} expired (410 Gone); listing again")]
    private static partial void LogGone(ILogger logger, string kind);
}

/// <summary>Creates <see cref="ListWatcher{T}"/>s over <see cref="IKubernetesApi"/>.</summary>
public static class ListWatcher
{
    /// <summary>Watches the Jobs of a namespace that match a label selector.</summary>
    public static ListWatcher<V1Job> ForJobs(IKubernetesApi api, string @namespace, string labelSelector, ListWatcherOptions? options = null, ILogger? logger = null)
    {
        options ??= new ListWatcherOptions();
        return new(
            async ct => await api.ListJobsAsync(@namespace, labelSelector, ct) is var jobs ? (jobs.Metadata?.ResourceVersion, jobs.Items) : default,
            (resourceVersion, ct) => api.WatchJobsAsync(@namespace, labelSelector, resourceVersion, options.WatchTimeout, ct),
            options,
            logger);
    }

    /// <summary>Watches the pods of a namespace that match a label selector.</summary>
    public static ListWatcher<V1Pod> ForPods(IKubernetesApi api, string @namespace, string labelSelector, ListWatcherOptions? options = null, ILogger? logger = null)
    {
        options ??= new ListWatcherOptions();
        return new(
            async ct => await api.ListPodsAsync(@namespace, labelSelector, ct) is var pods ? (pods.Metadata?.ResourceVersion, pods.Items) : default,
            (resourceVersion, ct) => api.WatchPodsAsync(@namespace, labelSelector, resourceVersion, options.WatchTimeout, ct),
            options,
            logger);
    }
}

/// <summary>Tuning of a <see cref="ListWatcher{T}"/>.</summary>
public sealed class ListWatcherOptions
{
    /// <summary>Wait before the first reconnect after a failure; doubles per consecutive failure. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the reconnect wait. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long each watch request stays open before the server ends it and it is renewed. Default 5 min.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The clock of reconnect waits.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>What a <see cref="ListWatcher{T}"/> delivers: a full snapshot after each (re)list, or one change.</summary>
/// <param name="Type">What happened.</param>
/// <param name="Object">The changed object; null for a snapshot.</param>
/// <param name="Items">For a snapshot, every current object; empty otherwise.</param>
public sealed record ListWatchEvent<T>(ListWatchEventType Type, T? Object, IReadOnlyList<T> Items);

/// <summary>The kinds of <see cref="ListWatchEvent{T}"/>; the first three match <see cref="WatchEventType"/>'s.</summary>
public enum ListWatchEventType
{
    /// <summary>An object appeared.</summary>
    Added = WatchEventType.Added,

    /// <summary>An object changed.</summary>
    Modified = WatchEventType.Modified,

    /// <summary>An object was deleted (its last state).</summary>
    Deleted = WatchEventType.Deleted,

    /// <summary>A (re)list: <see cref="ListWatchEvent{T}.Items"/> is everything that exists now.</summary>
    Synced = 100,
}
