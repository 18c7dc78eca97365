using System.Collections.Concurrent;
using MassTransit;
using MFlow.Aggregator.Runs;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Runs;
using MFlow.Persistence.Sagas;
using MFlow.ServiceDefaults;
using MFlow.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>
/// The aggregator's real state machine and SQL saga repository, hosted in the test process with
/// MFlow's bus conventions (retry policy included), on an endpoint that runs many messages at once
/// and, unlike the production definition, does not partition them by run: every message of a run
/// races every other on the same row, which only the repository's optimistic concurrency resolves.
/// </summary>
public sealed class InProcessAggregator : IAsyncDisposable
{
    private readonly IHost _host;
    private int _stopped;

    private InProcessAggregator(IHost host) => _host = host;

    /// <summary>The host's bus.</summary>
    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    /// <summary>Starts an aggregator on the virtual host and database; returns once its endpoint consumes.</summary>
    public static async Task<InProcessAggregator> StartAsync(RabbitMqVirtualHost virtualHost, PostgresDatabase database, SagaGate gate, int concurrency)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:RabbitMq"] = virtualHost.Url.ToString(),
            ["ConnectionStrings:Postgres"] = database.ConnectionString,
            ["MFlow:Bus:PrefetchCount"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddSingleton(gate);
        builder.Services.AddSingleton(new UnpartitionedRunStateDefinition.Settings(concurrency));
        builder.AddMFlowDatabase();
        builder.AddMFlowBus(
            bus => bus.AddSagaStateMachine<PipelineRunStateMachine, PipelineRunState>(typeof(UnpartitionedRunStateDefinition))
                .SqlRepository(PipelineRunStates.Table, StoredJson.Options),
            waitUntilStarted: true);
        var host = builder.Build();
        await host.StartAsync();
        return new InProcessAggregator(host);
    }

    /// <summary>
    /// Stops the bus: messages being consumed finish (and are acknowledged), the ones not started go
    /// back to the queue.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
            await _host.StopAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}

/// <summary>The run saga on "mflow-aggregator", <see cref="Settings.Concurrency"/> messages at a time, no partitioning, with the test's <see cref="SagaGate"/>.</summary>
public sealed class UnpartitionedRunStateDefinition : SagaDefinition<PipelineRunState>
{
    private readonly SagaGate _gate;

    /// <summary>Names the endpoint and sets its concurrency.</summary>
    public UnpartitionedRunStateDefinition(Settings settings, SagaGate gate)
    {
        _gate = gate;
        EndpointName = PipelineRunStateDefinition.QueueName;
        ConcurrentMessageLimit = settings.Concurrency;
    }

    /// <inheritdoc />
    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<PipelineRunState> sagaConfigurator, IRegistrationContext context)
    {
        PipelineRunStateDefinition.RetryLostRaces(endpointConfigurator);
        sagaConfigurator.UseFilter(new GateFilter(_gate));
    }

    /// <summary>How many messages the endpoint consumes at once.</summary>
    public sealed record Settings(int Concurrency);

    // Runs after the repository loaded the instance and before the state machine changes it; the
    // repository writes it back after the machine ran.
    private sealed class GateFilter(SagaGate gate) : IFilter<SagaConsumeContext<PipelineRunState>>
    {
        public async Task Send(SagaConsumeContext<PipelineRunState> context, IPipe<SagaConsumeContext<PipelineRunState>> next)
        {
            await gate.PassAsync(context);
            await next.Send(context);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("test-gate");
    }
}

/// <summary>
/// Sees every message the saga handles, with the instance as loaded and the retry attempt, and can
/// hold one task's first attempt after its load, so that another message can change the row under it.
/// </summary>
public sealed class SagaGate
{
    private readonly ConcurrentQueue<Pass> _passes = new();
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Guid? _held;

    /// <summary>Every message that reached the saga, in order.</summary>
    public IReadOnlyList<Pass> Passes => [.. _passes];

    /// <summary>Completes when the held task's update has loaded the instance and waits.</summary>
    public Task Entered => _entered.Task;

    /// <summary>Holds the first attempt of the next <see cref="TaskUpdated"/> for <paramref name="taskId"/> until <see cref="Release"/>.</summary>
    public void Hold(Guid taskId) => _held = taskId;

    /// <summary>Lets the held update go on, with the instance it loaded before.</summary>
    public void Release() => _released.TrySetResult();

    /// <summary>Called by the filter for every message.</summary>
    public async Task PassAsync(SagaConsumeContext<PipelineRunState> context)
    {
        var update = context.TryGetMessage<TaskUpdated>(out var updated) ? updated.Message : null;
        var attempt = context.GetRetryAttempt();
        _passes.Enqueue(new Pass(context.MessageId, update?.TaskId, update?.State, context.Saga.Version, attempt));
        if (update is not null && update.TaskId == _held && attempt == 0)
        {
            _entered.TrySetResult();
            await _released.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
    }

    /// <summary>One message reaching the saga.</summary>
    /// <param name="MessageId">The message.</param>
    /// <param name="TaskId">The task, for a TaskUpdated.</param>
    /// <param name="State">The task's reported state, for a TaskUpdated.</param>
    /// <param name="LoadedVersion">The instance's version as loaded for this attempt (0: new).</param>
    /// <param name="RetryAttempt">0 for the first attempt, then 1, 2, ...</param>
    public sealed record Pass(Guid? MessageId, Guid? TaskId, TaskState? State, int LoadedVersion, int RetryAttempt);
}
