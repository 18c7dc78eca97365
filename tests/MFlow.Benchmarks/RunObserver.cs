using System.Collections.Concurrent;
using MassTransit;
using MFlow.Contracts;

namespace MFlow.Benchmarks;

/// <summary>
/// The benchmark as an upstream system and an event subscriber: publishes <see cref="StartPipeline"/>
/// on MFlow's virtual host and hears each run's <see cref="PipelineRunStarted"/> (its id and plan),
/// <see cref="StageCompleted"/> events and terminal event on a queue of its own, as any subscriber would bind one.
/// </summary>
public sealed class RunObserver : IAsyncDisposable
{
    readonly IBusControl _bus;
    readonly ConcurrentDictionary<string, Guid> _runsByKey = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<Guid, ObservedRun> _runs = new();

    RunObserver(IBusControl bus) => _bus = bus;

    /// <summary>Connects to the virtual host and binds the observer's queue.</summary>
    public static async Task<RunObserver> StartAsync(Uri virtualHostUrl)
    {
        RunObserver? observer = null;
        var userInfo = virtualHostUrl.UserInfo.Split(':', 2);
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(virtualHostUrl.Host, (ushort)virtualHostUrl.Port, Uri.UnescapeDataString(virtualHostUrl.AbsolutePath.TrimStart('/')), host =>
            {
                host.Username(Uri.UnescapeDataString(userInfo[0]));
                host.Password(userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "");
            });
            cfg.ReceiveEndpoint($"mflow-bench-observer-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.Durable = false;
                endpoint.AutoDelete = true;
                endpoint.PrefetchCount = 200;
                endpoint.Handler<PipelineRunStarted>(context => observer!.OnStarted(context.Message));
                endpoint.Handler<StageCompleted>(context => observer!.OnStageCompleted(context.Message));
                endpoint.Handler<PipelineRunSucceeded>(context => observer!.OnFinal(context.Message.RunId, "Succeeded"));
                endpoint.Handler<PipelineRunFailed>(context => observer!.OnFinal(context.Message.RunId, "Failed"));
                endpoint.Handler<PipelineRunCancelled>(context => observer!.OnFinal(context.Message.RunId, "Cancelled"));
            });
        });
        observer = new RunObserver(bus);
        await bus.StartAsync();
        return observer;
    }

    /// <summary>Publishes one StartPipeline and returns the moment it was handed to the bus.</summary>
    public async Task<DateTimeOffset> SubmitAsync(string idempotencyKey, string pipeline)
    {
        var sent = DateTimeOffset.UtcNow;
        await _bus.Publish(new StartPipeline { IdempotencyKey = idempotencyKey, Pipeline = pipeline, TriggeredBy = "benchmark", Trigger = "bench.sh" });
        return sent;
    }

    /// <summary>The run started for an idempotency key, once its PipelineRunStarted arrived.</summary>
    public ObservedRun? RunFor(string idempotencyKey) =>
        _runsByKey.TryGetValue(idempotencyKey, out var runId) && _runs.TryGetValue(runId, out var run) && run.Plan is not null ? run : null;

    /// <summary>Waits until every key's run has reached a final state; returns them in the keys' order.</summary>
    /// <exception cref="TimeoutException">Not all runs were final in time.</exception>
    public async Task<IReadOnlyList<ObservedRun>> WaitUntilFinalAsync(IReadOnlyList<string> keys, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var runs = keys.Select(RunFor).ToList();
            if (runs.All(run => run?.FinalState is not null))
                return runs!;
            if (DateTimeOffset.UtcNow > deadline)
            {
                var final = runs.Count(run => run?.FinalState is not null);
                var started = runs.Count(run => run is not null);
                throw new TimeoutException($"After {timeout.TotalSeconds:0} s only {final} of {keys.Count} runs were final ({started} started).\n{describe()}");
            }

            // The final moment is taken when the event arrives, not here: polling adds nothing to it.
            await Task.Delay(50);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _bus.StopAsync();

    Task OnStarted(PipelineRunStarted started)
    {
        var run = _runs.GetOrAdd(started.RunId, id => new ObservedRun(id));
        run.Plan = started;
        if (started.IdempotencyKey is { } key)
            _runsByKey[key] = started.RunId;
        return Task.CompletedTask;
    }

    Task OnStageCompleted(StageCompleted completed)
    {
        var run = _runs.GetOrAdd(completed.RunId, id => new ObservedRun(id));
        run.StageCompletedAt.TryAdd(completed.StageIndex, DateTimeOffset.UtcNow);
        return Task.CompletedTask;
    }

    Task OnFinal(Guid runId, string state)
    {
        var run = _runs.GetOrAdd(runId, id => new ObservedRun(id));
        lock (run)
        {
            if (run.FinalState is null)
            {
                run.FinalAt = DateTimeOffset.UtcNow;
                run.FinalState = state;
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>What the observer heard of one run.</summary>
public sealed class ObservedRun(Guid runId)
{
    /// <summary>The run.</summary>
    public Guid RunId { get; } = runId;

    /// <summary>Its PipelineRunStarted: the plan, with every task's id and stage.</summary>
    public PipelineRunStarted? Plan { get; set; }

    /// <summary>When each stage's first StageCompleted reached the observer, by stage index.</summary>
    public ConcurrentDictionary<int, DateTimeOffset> StageCompletedAt { get; } = new();

    /// <summary>Succeeded, Failed or Cancelled, once its terminal event arrived.</summary>
    public string? FinalState { get; set; }

    /// <summary>When the terminal event reached the observer.</summary>
    public DateTimeOffset? FinalAt { get; set; }
}
