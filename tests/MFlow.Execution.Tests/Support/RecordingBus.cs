using System.Collections.Concurrent;
using System.Reflection;
using MassTransit;

namespace MFlow.Execution.Tests.Support;

/// <summary>
/// A stand-in for MassTransit's <see cref="IBus"/> that records what is published. Only Publish is
/// implemented (it is all the reporter uses); anything else fails the test loudly.
/// </summary>
public class RecordingBus : DispatchProxy
{
    readonly ConcurrentQueue<object> _published = new();

    public static (IBus Bus, RecordingBus Recorder) Create()
    {
        var bus = DispatchProxy.Create<IBus, RecordingBus>();
        return (bus, (RecordingBus)(object)bus);
    }

    public IReadOnlyList<T> Published<T>() => _published.OfType<T>().ToList();

    /// <summary>Waits until a published message matches.</summary>
    public async Task<T> WaitFor<T>(Func<T, bool> match, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (Published<T>().FirstOrDefault(match) is { } found)
                return found;
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"No matching {typeof(T).Name} was published; published: {string.Join(", ", _published)}");
            await Task.Delay(10, CancellationToken.None);
        }
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod is { Name: "Publish", IsGenericMethod: true } && args is [{ } message, CancellationToken])
        {
            _published.Enqueue(message);
            return Task.CompletedTask;
        }

        throw new NotSupportedException($"The test bus does not implement {targetMethod}.");
    }
}
