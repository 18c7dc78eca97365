using System.Collections.Concurrent;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>
/// Timers and asynchronous steps of the simulation (TTL deletion, deadlines, AutoRun scripts), tracked
/// so that disposing the server cancels them and waits for them rather than leaving them running.
/// </summary>
internal sealed class BackgroundWork(Action<Exception> onError) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    public CancellationToken Stopping => _stopping.Token;

    public void Run(Func<CancellationToken, Task> work)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var task = Task.Run(() => work(_stopping.Token), CancellationToken.None);
        _running[task] = 0;
        _ = task.ContinueWith(
            finished =>
            {
                _running.TryRemove(finished, out _);
                if (finished.Exception?.GetBaseException() is { } error && error is not OperationCanceledException)
                {
                    onError(error);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Signals everything tied to <see cref="Stopping"/> (timers, watches, followed logs) to end now.</summary>
    public Task CancelAsync() => _stopping.IsCancellationRequested ? Task.CompletedTask : _stopping.CancelAsync();

    public async ValueTask DisposeAsync()
    {
        await CancelAsync();
        try
        {
            await Task.WhenAll(_running.Keys);
        }
        catch (Exception)
        {
            // Failures were reported through onError as they happened; cancellations are the point of stopping.
        }

        _stopping.Dispose();
    }
}
