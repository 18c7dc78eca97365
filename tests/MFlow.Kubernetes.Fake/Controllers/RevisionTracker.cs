namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>
/// How far a consumer of the store's events has got, and the waiters for it to reach a revision: what
/// lets a test control return only once the simulated controllers have reacted to it.
/// </summary>
internal sealed class RevisionTracker(long startRevision)
{
    private readonly Lock _gate = new();
    private readonly List<(long Revision, TaskCompletionSource Done)> _waiters = [];
    private long _processed = startRevision;

    public Task WaitForAsync(long revision, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_processed >= revision)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((revision, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    public void Advance(long revision)
    {
        lock (_gate)
        {
            _processed = revision;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Revision <= revision)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public void CancelWaiters()
    {
        lock (_gate)
        {
            foreach (var (_, done) in _waiters)
            {
                done.TrySetCanceled();
            }

            _waiters.Clear();
        }
    }
}
