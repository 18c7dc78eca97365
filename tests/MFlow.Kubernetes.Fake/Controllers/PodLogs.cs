using System.Text;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>
/// The container logs the simulated kubelet holds, per (namespace, pod, container). A reader that
/// follows a log awaits <see cref="Snapshot.Changed"/>, completed on every append and when the log closes.
/// </summary>
internal sealed class PodLogs
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Namespace, string Pod, string Container), Buffer> _buffers = [];

    /// <summary>The log as it is now, whether it can still grow, and a task completed when it changes.</summary>
    public readonly record struct Snapshot(string Text, bool Closed, Task Changed);

    public void Append(string @namespace, string pod, string container, string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            var buffer = Get(@namespace, pod, container);
            buffer.Text.Append(text);
            buffer.Signal();
        }
    }

    /// <summary>Marks a container's log final (the container terminated).</summary>
    public void Close(string @namespace, string pod, string container)
    {
        lock (_gate)
        {
            var buffer = Get(@namespace, pod, container);
            buffer.Closed = true;
            buffer.Signal();
        }
    }

    /// <summary>Forgets a pod's logs (the pod was deleted), waking anyone following them.</summary>
    public void Remove(string @namespace, string pod)
    {
        lock (_gate)
        {
            foreach (var key in _buffers.Keys.Where(key => key.Namespace == @namespace && key.Pod == pod).ToList())
            {
                _buffers[key].Closed = true;
                _buffers[key].Signal();
                _buffers.Remove(key);
            }
        }
    }

    public Snapshot Read(string @namespace, string pod, string container)
    {
        lock (_gate)
        {
            var buffer = Get(@namespace, pod, container);
            return new Snapshot(buffer.Text.ToString(), buffer.Closed, buffer.Changed.Task);
        }
    }

    private Buffer Get(string @namespace, string pod, string container)
    {
        var key = (@namespace, pod, container);
        if (!_buffers.TryGetValue(key, out var buffer))
        {
            buffer = new Buffer();
            _buffers[key] = buffer;
        }

        return buffer;
    }

    private sealed class Buffer
    {
        public StringBuilder Text { get; } = new();

        public bool Closed { get; set; }

        public TaskCompletionSource Changed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Signal()
        {
            var changed = Changed;
            Changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
        }
    }
}
