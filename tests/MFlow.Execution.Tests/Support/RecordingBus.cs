using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using MFlow.Testing;
using MassTransit;

namespace MFlow.Execution.Tests.Support;

/// <summary>
/// A stand-in for MassTransit's <see cref="IBus"/> that records what is published. Only Publish is
/// implemented (it is all the reporter uses); anything else fails the test loudly.
/// </summary>
public class RecordingBus : DispatchProxy
{
    readonly ConcurrentQueue<object> _published = new();
    readonly ConcurrentDictionary<object, ActivityContext> _spans = new(ReferenceEqualityComparer.Instance);

    public static (IBus Bus, RecordingBus Recorder) Create()
    {
        var bus = DispatchProxy.Create<IBus, RecordingBus>();
        return (bus, (RecordingBus)(object)bus);
    }

    public IReadOnlyList<T> Published<T>() => _published.OfType<T>().ToList();

    /// <summary>The span that was current when <paramref name="message"/> was published (default: none).</summary>
    public ActivityContext SpanOf(object message) => _spans.GetValueOrDefault(message);

    /// <summary>Waits until a published message matches.</summary>
    public async Task<T> WaitFor<T>(Func<T, bool> match, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(
            () => Task.FromResult(Published<T>().FirstOrDefault(match)), found => found is not null, timeout ?? TimeSpan.FromSeconds(20),
            $"a matching {typeof(T).Name} is published"))!;

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod is { Name: "Publish", IsGenericMethod: true } && args is [{ } message, CancellationToken])
        {
            _spans[message] = Activity.Current?.Context ?? default;
            _published.Enqueue(message);
            return Task.CompletedTask;
        }

        throw new NotSupportedException($"The test bus does not implement {targetMethod}.");
    }
}
