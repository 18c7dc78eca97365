using System.Runtime.CompilerServices;
using MFlow.Kubernetes.Errors;
using MFlow.Kubernetes.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Kubernetes.Watching;

/// <summary>
/// The list-then-watch loop a controller runs (an informer without a cache): list, deliver a
/// <see cref="ListWatchEventType.Synced"/> snapshot, then watch from the list's resource
/// version and deliver each change. When a watch ends or its connection drops it resumes from
/// the last resource version seen (bookmarks included), so no change is missed; when that
/// version is too old (410 Gone) it lists again and delivers a new snapshot, from which the
/// consumer reconciles what changed or vanished meanwhile. Failures are retried with capped
/// exponential backoff until cancelled. Nothing is polled.
/// </summary>
/// <typeparam name="T">The watched object type.</typeparam>
/// <param name="list">Lists the current objects.</param>
/// <param name="watch">Watches changes after a resource version.</param>
/// <param name="options">Backoff and watch timeout; defaults when null.</param>
/// <param name="logger">Receives reconnect messages.</param>
public sealed partial class ListWatcher<T>(
    Func<CancellationToken, Task<IKubernetesList<T>>> list,
    Func<string, CancellationToken, IAsyncEnumerable<WatchEvent<T>>> watch,
    ListWatcherOptions? options = null,
    ILogger? logger = null)
    where T : IKubernetesObject
{
    private readonly Func<CancellationToken, Task<IKubernetesList<T>>> _list = list ?? throw new ArgumentNullException(nameof(list));
    private readonly Func<string, CancellationToken, IAsyncEnumerable<WatchEvent<T>>> _watch = watch ?? throw new ArgumentNullException(nameof(watch));
    private readonly ListWatcherOptions _options = options ?? new ListWatcherOptions();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>
    /// Runs the loop until <paramref name="cancellationToken"/> is cancelled (then the enumeration
    /// throws <see cref="OperationCanceledException"/>). The first event is always a snapshot.
    /// Each call runs an independent loop.
    /// </summary>
    public async IAsyncEnumerable<ListWatchEvent<T>> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? resourceVersion = null;

        // Consecutive failures without progress; progress is any event received.
        var failures = 0;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            if (resourceVersion is null)
            {
                IKubernetesList<T>? snapshot = null;
                try
                {
                    snapshot = await _list(cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    failures++;
                    var delay = Backoff(failures);
                    LogListFailed(_logger, typeof(T).Name, ex.Message, delay);
                    await Task.Delay(delay, _options.TimeProvider, cancellationToken);
                    continue;
                }

                // A server always sets it; "0" (any version) keeps a misbehaving one from looping on null.
                resourceVersion = snapshot.Metadata.ResourceVersion is { Length: > 0 } listed ? listed : "0";
                yield return ListWatchEvent<T>.Synced(snapshot.Items);
            }

            Exception? error = null;
            var received = false;
            var enumerator = _watch(resourceVersion, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    WatchEvent<T> watchEvent;
                    try
                    {
                        if (!await enumerator.MoveNextAsync())
                        {
                            break;
                        }

                        watchEvent = enumerator.Current;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        error = ex;
                        break;
                    }

                    received = true;
                    failures = 0;
                    if (watchEvent.Object.Metadata.ResourceVersion is { Length: > 0 } seen)
                    {
                        resourceVersion = seen;
                    }

                    // Bookmarks only move the resource version forward (done above); nothing to deliver.
                    switch (watchEvent.Type)
                    {
                        case WatchEventType.Added:
                            yield return ListWatchEvent<T>.Changed(ListWatchEventType.Added, watchEvent.Object);
                            break;
                        case WatchEventType.Modified:
                            yield return ListWatchEvent<T>.Changed(ListWatchEventType.Modified, watchEvent.Object);
                            break;
                        case WatchEventType.Deleted:
                            yield return ListWatchEvent<T>.Changed(ListWatchEventType.Deleted, watchEvent.Object);
                            break;
                    }
                }
            }
            finally
            {
                await DisposeQuietlyAsync(enumerator);
            }

            if (error is GoneException)
            {
                // The version fell out of the server's history: only a new list can tell what happened since.
                resourceVersion = null;
                failures++;
                LogGone(_logger, typeof(T).Name);
                if (failures == 1)
                {
                    continue;
                }
            }
            else if (error is not null)
            {
                failures++;
            }
            else if (received)
            {
                // The server ended a healthy watch (its timeout): renew at once.
                continue;
            }
            else
            {
                // Ended without a single event: renew, but do not spin if the server keeps doing it.
                failures++;
            }

            var wait = Backoff(failures);
            LogReconnecting(_logger, typeof(T).Name, error?.Message ?? "watch ended without events", wait);
            await Task.Delay(wait, _options.TimeProvider, cancellationToken);
        }
    }

    private TimeSpan Backoff(int failures) => RetryBackoff.After(failures, _options.InitialBackoff, _options.MaxBackoff);

    private static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<WatchEvent<T>> enumerator)
    {
        try
        {
            await enumerator.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            // Closing a broken connection can fail too; the watch is over either way.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing {Kind} failed: {Error}; retrying in {Delay}")]
    private static partial void LogListFailed(ILogger logger, string kind, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Kind}: {Error}; resuming in {Delay}")]
    private static partial void LogReconnecting(ILogger logger, string kind, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Kind} expired (410 Gone); listing again")]
    private static partial void LogGone(ILogger logger, string kind);
}
