using System.Text.Json;
using MFlow.Aggregator.Runs;
using MFlow.Contracts;
using MFlow.Persistence.Runs;
using MFlow.Persistence;
using MFlow.Testing;
using MassTransit.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace MFlow.Aggregator.Tests.Support;

/// <summary>
/// A saga spec: the run state machine with its production definition (partitioned by run) on
/// MassTransit's in-memory test harness, with an in-memory repository.
/// </summary>
public abstract class RunSagaSpec : IAsyncLifetime
{
    readonly MessageRecorder _recorder = new();
    ServiceProvider? _provider;

    protected TestRun Run { get; } = new();

    protected ITestHarness Harness { get; private set; } = null!;

    protected ISagaStateMachineTestHarness<PipelineRunStateMachine, PipelineRunState> Saga { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _provider = new ServiceCollection()
            .AddMassTransitTestHarness(x =>
            {
                x.SetTestTimeouts(testTimeout: TimeSpan.FromSeconds(20));
                x.AddSagaStateMachine<PipelineRunStateMachine, PipelineRunState>(typeof(PipelineRunStateDefinition)).InMemoryRepository();
            })
            .BuildServiceProvider(true);
        Harness = _provider.GetRequiredService<ITestHarness>();
        await Harness.Start();
        Harness.Bus.ConnectPublishObserver(_recorder);
        Harness.Bus.ConnectConsumeObserver(_recorder);
        Saga = Harness.GetSagaStateMachineHarness<PipelineRunStateMachine, PipelineRunState>();
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await Harness.Stop();
            await _provider.DisposeAsync();
        }
    }

    protected PipelineRunStateMachine Machine => Saga.StateMachine;

    protected async Task Publish(params object[] messages)
    {
        foreach (var message in messages)
            await Harness.Bus.Publish(message);
    }

    /// <summary>Publishes the messages and waits until the saga consumed every one of them.</summary>
    protected async Task PublishAndWait(params object[] messages)
    {
        var before = _recorder.Consumed;
        await Publish(messages);
        await WaitUntil(() => _recorder.Consumed >= before + messages.Length, $"the saga to consume {messages.Length} more messages");
        Assert.Empty(_recorder.Faults);
    }

    /// <summary>Waits until the saga is in a state.</summary>
    protected async Task WaitForState(Func<PipelineRunStateMachine, State> state)
    {
        var found = await Saga.Exists(Run.RunId, state, TimeSpan.FromSeconds(10));
        Assert.True(found.HasValue, $"the run never reached {state(Machine).Name}; it is {Instance?.CurrentState ?? "not created"}");
    }

    /// <summary>Waits for a published message matching the filter and returns it.</summary>
    protected async Task<T> WaitForPublished<T>(Func<T, bool>? filter = null)
        where T : class
    {
        T? found = null;
        await WaitUntil(() => (found = Published<T>().FirstOrDefault(m => filter?.Invoke(m) ?? true)) is not null, $"a {typeof(T).Name}");
        return found!;
    }

    protected IReadOnlyList<T> Published<T>()
        where T : class =>
        _recorder.Published<T>().Where(m => RunIdOf(m) == Run.RunId).ToList();

    protected PipelineRunState? Instance => Saga.Sagas.Contains(Run.RunId);

    /// <summary>The stored form of the saga instance, as the SQL repository would write it.</summary>
    protected string Snapshot() => JsonSerializer.Serialize(Instance, StoredJson.Options);

    static Task WaitUntil(Func<bool> condition, string what) =>
        Eventually.UntilAsync(() => Task.FromResult(condition()), TimeSpan.FromSeconds(10), what);

    static Guid RunIdOf(object message) => message switch
    {
        StageCompleted m => m.RunId,
        PipelineRunSucceeded m => m.RunId,
        PipelineRunFailed m => m.RunId,
        PipelineRunCancelled m => m.RunId,
        CancelTask m => m.RunId,
        TaskUpdated m => m.RunId,
        PipelineRunStarted m => m.RunId,
        CancelPipelineRun m => m.RunId,
        _ => throw new ArgumentException($"No run id in {message.GetType().Name}"),
    };
}
