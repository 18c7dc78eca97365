using System.Diagnostics;
using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.ServiceDefaults.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace MFlow.Scheduler.Tests.Outbox;

/// <summary>
/// The outbox row of a run-task command waits in the database until the broker confirms it; its
/// secret values (update token, kubeconfig, sensitive params) are stored encrypted, like the rest at
/// rest, and the relay still publishes them as they were given.
/// </summary>
public sealed class When_the_outbox_holds_a_task_command : IAsyncLifetime
{
    const string Token = "update-token-9f3a7c1e5b";
    const string Kubeconfig = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: cluster-token-4d2e8b}}]";

    readonly List<RunBuildTask> _published = [];
    readonly List<ActivityTraceId> _consumedInTraces = [];
    OutboxRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await OutboxRig.StartAsync("build", endpoint => endpoint.Handler<RunBuildTask>(context =>
        {
            lock (_published)
            {
                _published.Add(context.Message);
                _consumedInTraces.Add(Activity.Current?.TraceId ?? default);
            }
            return Task.CompletedTask;
        }));
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Should_store_its_secret_values_encrypted_and_relay_them_as_given()
    {
        var command = new RunBuildTask
        {
            RunId = Guid.NewGuid(),
            TaskId = Guid.NewGuid(),
            TaskName = "compile",
            Attempt = 1,
            Params = new Dictionary<string, string> { ["GIT_URL"] = "https://example.com/shop.git" },
            SecretValues = new Dictionary<string, string> { [SecretKeys.UpdateToken] = Token, [SecretKeys.Kubeconfig] = Kubeconfig },
        };

        await using (var connection = await _rig.Database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await _rig.Outbox.EnqueueAsync(connection, transaction, [command], CancellationToken.None);
            await transaction.CommitAsync();
        }

        var body = await StoredBodyAsync();
        Assert.Contains("https://example.com/shop.git", body);
        Assert.DoesNotContain(Token, body);
        Assert.DoesNotContain("cluster-token-4d2e8b", body);

        // As after a crash between commit and publish: the relay publishes what is stored.
        Assert.Equal(1, await _rig.Outbox.RelayAsync(DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None));
        await Testing.Eventually.UntilAsync(() => Task.FromResult(_published.Count == 1), TimeSpan.FromSeconds(10), "the relayed command arrives");
        Assert.Equal(Token, _published[0].SecretValues[SecretKeys.UpdateToken]);
        Assert.Equal(Kubeconfig, _published[0].SecretValues[SecretKeys.Kubeconfig]);
        Assert.Null(await StoredBodyAsync());
    }

    [Fact]
    public async Task Should_relay_it_in_the_trace_it_was_written_in()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(Requests.Name, MFlowTelemetry.SourceName, "MassTransit")
            .AddInMemoryExporter(spans)
            .Build();

        // Written while a request is handled, then the process dies before publishing.
        ActivityContext request;
        using (var post = Requests.StartActivity("POST /api/v1/runs", ActivityKind.Server)!)
        {
            request = post.Context;
            await using var connection = await _rig.Database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await _rig.Outbox.EnqueueAsync(connection, transaction, [new RunBuildTask { RunId = Guid.NewGuid(), TaskId = Guid.NewGuid(), TaskName = "compile", Attempt = 1 }], CancellationToken.None);
            await transaction.CommitAsync();
        }

        Assert.Null(Activity.Current);
        Assert.Equal(1, await _rig.Outbox.RelayAsync(DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None));
        await Testing.Eventually.UntilAsync(() => Task.FromResult(_published.Count == 1), TimeSpan.FromSeconds(10), "the relayed command arrives");

        Assert.Equal(request.TraceId, _consumedInTraces[0]);
        tracing.ForceFlush();
        var relay = Assert.Single(spans, span => span.OperationName == "outbox relay" && span.TraceId == request.TraceId);
        Assert.Equal(request.SpanId, relay.ParentSpanId);
    }

    static readonly ActivitySource Requests = new("MFlow.Scheduler.Tests.Requests");

    async Task<string?> StoredBodyAsync()
    {
        await using var connection = await _rig.Database.OpenAsync();
        await using var command = connection.Command("SELECT body FROM outbox");
        return await command.ExecuteScalarAsync() as string;
    }
}
