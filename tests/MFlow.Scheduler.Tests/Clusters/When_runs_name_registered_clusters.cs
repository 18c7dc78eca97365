using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Scheduler.Clusters;
using MFlow.Scheduler.Outputs;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Scheduler.Tests.Clusters;

/// <summary>
/// A replica keeps the registered clusters' ids for a few seconds instead of reading them for every
/// run. What a user must still see: a cluster deleted through this replica is refused at once, one
/// registered through another is accepted at once, one deleted through another is refused after
/// <see cref="ClusterStore.IdsTrustedFor"/>, and no task is ever started against a deleted cluster.
/// </summary>
public sealed class When_runs_name_registered_clusters : IAsyncLifetime
{
    const string Kubeconfig = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: staging-token-5c1d}}]";
    static readonly Guid RunId = Guid.Parse("0f8e2a9c-0000-4000-8000-0000000000c2");

    readonly string _directory = Path.Combine(Path.GetTempPath(), $"mflow-clusters-{Guid.NewGuid():N}");
    readonly IDataProtectionProvider _protection = new EphemeralDataProtectionProvider();
    readonly ManualClock _clock = new();
    Database _database = null!;
    ClusterStore _replica = null!;
    ClusterStore _otherReplica = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _database = new Database(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(_directory, "mflow.db")}" });
        await new SchemaMigrator(_database, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _replica = new ClusterStore(_database, _protection, _clock);
        _otherReplica = new ClusterStore(_database, _protection, _clock);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    static RunRequest Request(string cluster) => new()
    {
        Pipeline = PipelineDocumentParser.ParsePipeline($$$"""
            name: ship
            stages:
              - name: deploy
                tasks:
                  - {name: rollout, kind: deploy, cluster: {{{cluster}}}, container: {image: "bitnami/kubectl:1.31", command: [kubectl, rollout, status]}}
            """),
    };

    static Task<RunPlan> PlanAsync(ClusterStore store, string cluster) =>
        store.WithIdsAsync(ids => RunPlanner.Plan(RunId, Request(cluster), new Dictionary<string, ResolvedJob>(), ids, value => value), CancellationToken.None);

    static async Task RefusedAsync(ClusterStore store, string cluster)
    {
        var refused = await Assert.ThrowsAsync<PipelineValidationException>(() => PlanAsync(store, cluster));
        Assert.Contains($"cluster '{cluster}' is not registered", string.Join(" ", refused.Errors.Values.SelectMany(m => m)));
    }

    [Fact]
    public async Task Should_refuse_a_cluster_deleted_through_this_replica_at_once()
    {
        await _replica.CreateAsync("staging", null, Kubeconfig, "admin", CancellationToken.None);
        Assert.Equal("staging", (await PlanAsync(_replica, "staging")).Stages[0].Tasks[0].Target.ClusterId);

        await _replica.DeleteAsync("staging", CancellationToken.None);

        await RefusedAsync(_replica, "staging");
    }

    [Fact]
    public async Task Should_accept_a_cluster_registered_through_another_replica_at_once()
    {
        await RefusedAsync(_replica, "production"); // the replica now keeps the ids without it

        await _otherReplica.CreateAsync("production", null, Kubeconfig, "admin", CancellationToken.None);

        Assert.Equal("production", (await PlanAsync(_replica, "production")).Stages[0].Tasks[0].Target.ClusterId);
    }

    [Fact]
    public async Task Should_refuse_a_cluster_deleted_through_another_replica_once_the_ids_are_no_longer_trusted()
    {
        await _otherReplica.CreateAsync("staging", null, Kubeconfig, "admin", CancellationToken.None);
        await PlanAsync(_replica, "staging"); // kept by this replica

        await _otherReplica.DeleteAsync("staging", CancellationToken.None);
        _clock.Advance(ClusterStore.IdsTrustedFor);

        await RefusedAsync(_replica, "staging");
    }

    [Fact]
    public async Task Should_never_start_a_task_on_a_cluster_deleted_after_its_run_was_accepted()
    {
        await _replica.CreateAsync("staging", null, Kubeconfig, "admin", CancellationToken.None);
        var plan = await PlanAsync(_otherReplica, "staging");
        var dispatcher = new RunDispatcher(new TaskTokenStore(_database), _otherReplica, _protection);

        var before = await DispatchAsync(dispatcher, plan);
        var command = Assert.IsType<RunDeployTask>(Assert.Single(before));
        Assert.Equal(Kubeconfig, command.SecretValues[SecretKeys.Kubeconfig]);

        // Deleted through the other replica: the dispatching one still trusts its ids, and must not matter.
        await _replica.DeleteAsync("staging", CancellationToken.None);

        var after = await DispatchAsync(dispatcher, plan);
        var failed = Assert.IsType<TaskUpdated>(Assert.Single(after));
        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Equal(TaskFailureReasons.ClusterNotRegistered, failed.Reason);
        Assert.Contains("cluster 'staging' is no longer registered", failed.Message);
        Assert.True(TaskFailureReasons.IsPermanent(failed.Reason));
    }

    async Task<IReadOnlyList<object>> DispatchAsync(RunDispatcher dispatcher, RunPlan plan)
    {
        await using var connection = await _database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var messages = await dispatcher.StageMessagesAsync(connection, transaction, RunId, plan, 0, new Dictionary<string, IReadOnlyDictionary<string, string>>(), CancellationToken.None);
        await transaction.RollbackAsync();
        return messages;
    }

    // A clock that moves only when told to.
    sealed class ManualClock : TimeProvider
    {
        long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
