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
    readonly ConcurrentDictionary<object, Guid> _messageIds = new(ReferenceEqualityComparer.Instance);

    public static (IBus Bus, RecordingBus Recorder) Create()
    {
        var bus = DispatchProxy.Create<IBus, RecordingBus>();
        return (bus, (RecordingBus)(object)bus);
    }

    public IReadOnlyList<T> Published<T>() => _published.OfType<T>().ToList();

    /// <summary>The span that was current when <paramref name="message"/> was published (default: none).</summary>
    public ActivityContext SpanOf(object message) => _spans.GetValueOrDefault(message);

    /// <summary>The MessageId the publisher set on <paramref name="message"/>, or null when it left it to the bus.</summary>
    public Guid? MessageIdOf(object message) => _messageIds.TryGetValue(message, out var id) ? id : null;

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

        if (targetMethod is { Name: "Publish", IsGenericMethod: true } && args is [{ } withCallback, { } pipe, CancellationToken])
        {
            // Publish(message, context => ..., token) reaches the bus as a pipe: send it a context that keeps what it sets.
            var contextType = typeof(PublishContext<>).MakeGenericType(targetMethod.GetGenericArguments()[0]);
            var context = DispatchProxy.Create(contextType, typeof(PublishContextRecorder));
            if (pipe is Delegate callback)
                callback.DynamicInvoke(context);
            else
                ((Task)pipe.GetType().GetMethod("Send", [contextType])!.Invoke(pipe, [context])!).GetAwaiter().GetResult();
            if (((PublishContextRecorder)context).MessageId is { } id)
                _messageIds[withCallback] = id;
            _spans[withCallback] = Activity.Current?.Context ?? default;
            _published.Enqueue(withCallback);
            return Task.CompletedTask;
        }

        throw new NotSupportedException($"The test bus does not implement {targetMethod}.");
    }
}

/// <summary>A publish context that records the MessageId a publisher sets; nothing else is supported.</summary>
public class PublishContextRecorder : DispatchProxy
{
    public Guid? MessageId { get; private set; }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod?.Name == "set_MessageId" && args is [var id])
        {
            MessageId = (Guid?)id;
            return null;
        }

        throw new NotSupportedException($"The test publish context does not implement {targetMethod}.");
    }
}
