using System.Collections.Concurrent;
using MassTransit;
using MFlow.Aggregator.Extensions;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.ServiceDefaults;
using MFlow.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>
/// The aggregator as production wires it (its consumers, outbox and MFlow's bus conventions, retry
/// policy included), hosted in the test process so a test can run several side by side on one queue
/// and count what each consumed and what faulted.
/// </summary>
public sealed class InProcessAggregator : IAsyncDisposable, IConsumeObserver
{
    private readonly IHost _host;
    private readonly ConcurrentQueue<Exception> _faults = new();
    private int _consumed;
    private int _stopped;

    private InProcessAggregator(IHost host) => _host = host;

    /// <summary>Run messages consumed to the end.</summary>
    public int Consumed => Volatile.Read(ref _consumed);

    /// <summary>Every exception a consumer threw, retried or not.</summary>
    public IReadOnlyList<Exception> Faults => [.. _faults];

    /// <summary>Starts an aggregator on the virtual host and database, taking <paramref name="prefetch"/> messages at a time; returns once it consumes.</summary>
    public static async Task<InProcessAggregator> StartAsync(RabbitMqVirtualHost virtualHost, PostgresDatabase database, int prefetch)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:RabbitMq"] = virtualHost.Url.ToString(),
            ["ConnectionStrings:Postgres"] = database.ConnectionString,
            ["MFlow:Bus:PrefetchCount"] = prefetch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.AddMFlowDatabase();
        builder.AddAggregatorServices();
        builder.AddMFlowBus(bus => bus.AddAggregatorConsumers(), waitUntilStarted: true);
        var host = builder.Build();
        var aggregator = new InProcessAggregator(host);
        host.Services.GetRequiredService<IBus>().ConnectConsumeObserver(aggregator);
        await host.StartAsync();
        return aggregator;
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

    Task IConsumeObserver.PreConsume<T>(ConsumeContext<T> context) => Task.CompletedTask;

    Task IConsumeObserver.PostConsume<T>(ConsumeContext<T> context)
    {
        if (context.Message is TaskUpdated or PipelineRunStarted or CancelPipelineRun)
            Interlocked.Increment(ref _consumed);
        return Task.CompletedTask;
    }

    Task IConsumeObserver.ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
    {
        _faults.Enqueue(exception);
        return Task.CompletedTask;
    }
}
