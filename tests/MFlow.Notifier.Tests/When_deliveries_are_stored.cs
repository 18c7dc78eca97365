using MFlow.Notifications;
using MFlow.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Notifier.Tests;

/// <summary>The delivery rows on SQLite, as the embedded default keeps them (PostgreSQL is covered by the integration tests).</summary>
public sealed class When_deliveries_are_stored : IAsyncLifetime
{
    readonly string _directory = Path.Combine(Path.GetTempPath(), "mflow-notify-" + Guid.NewGuid().ToString("N")[..8]);
    Database _database = null!;
    DeliveryStore _store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _database = new Database(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(_directory, "mflow.db")}" });
        await new SchemaMigrator(_database, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _store = new DeliveryStore(_database);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Should_write_a_redelivered_event_once_and_lease_each_row_to_one_taker()
    {
        var subscription = Guid.NewGuid();
        var delivery = new NewDelivery(Guid.NewGuid(), subscription, NotificationEvents.RunFailed, Guid.NewGuid(), "{}");
        Assert.Equal(1, await _store.EnqueueAsync([delivery], CancellationToken.None));
        Assert.Equal(0, await _store.EnqueueAsync([delivery], CancellationToken.None));

        Assert.NotNull(await _store.NextDueAsync(CancellationToken.None));
        var first = await _store.ClaimDueAsync(10, [], TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.InRange((await _store.NextDueAsync(CancellationToken.None))!.Value, DateTimeOffset.UtcNow.AddSeconds(50), DateTimeOffset.UtcNow.AddSeconds(61)); // when the lease runs out
        Assert.Equal(delivery.Id, Assert.Single(first).Id);
        Assert.Empty(await _store.ClaimDueAsync(10, [], TimeSpan.FromMinutes(1), CancellationToken.None)); // leased

        await _store.ReleaseAsync([delivery.Id], CancellationToken.None);
        Assert.Empty(await _store.ClaimDueAsync(10, [subscription], TimeSpan.FromMinutes(1), CancellationToken.None)); // its subscription is busy
        Assert.Single(await _store.ClaimDueAsync(10, [], TimeSpan.FromMinutes(1), CancellationToken.None));
    }

    [Fact]
    public async Task Should_log_each_try_and_purge_only_what_finished_before_the_retention()
    {
        var subscription = Guid.NewGuid();
        var old = new NewDelivery(Guid.NewGuid(), subscription, NotificationEvents.RunSucceeded, Guid.NewGuid(), "{}");
        var pending = new NewDelivery(Guid.NewGuid(), subscription, NotificationEvents.RunFailed, Guid.NewGuid(), "{}");
        await _store.EnqueueAsync([old, pending], CancellationToken.None);
        var claimed = await _store.ClaimDueAsync(10, [], TimeSpan.FromMinutes(1), CancellationToken.None);
        var longAgo = DateTimeOffset.UtcNow.AddDays(-40);

        await _store.RecordAsync(claimed.Single(d => d.Id == old.Id), new AttemptResult(false, longAgo, 500, "HTTP 500", TimeSpan.FromMilliseconds(12)), longAgo, CancellationToken.None);
        var retried = await _store.ClaimDueAsync(10, [], TimeSpan.FromMinutes(1), CancellationToken.None);
        await _store.RecordAsync(retried.Single(d => d.Id == old.Id), new AttemptResult(true, longAgo, 200, null, TimeSpan.FromMilliseconds(8)), null, CancellationToken.None);
        await _store.RecordAsync(claimed.Single(d => d.Id == pending.Id), new AttemptResult(false, DateTimeOffset.UtcNow, null, "refused", TimeSpan.Zero), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None);

        var log = await _store.ListAsync(subscription, 50, CancellationToken.None);
        var delivered = log.Single(d => d.Id == old.Id);
        Assert.Equal((DeliveryStatus.Delivered, 2), (delivered.Status, delivered.Attempts));
        Assert.Equal([(1, (int?)500, "HTTP 500"), (2, 200, null)], delivered.AttemptLog.Select(a => (a.Attempt, a.StatusCode, a.Error)));
        Assert.Equal(DeliveryStatus.Pending, log.Single(d => d.Id == pending.Id).Status);

        Assert.Equal(1, await _store.PurgeAsync(DateTimeOffset.UtcNow.AddDays(-30), CancellationToken.None));
        Assert.Equal([pending.Id], (await _store.ListAsync(subscription, 50, CancellationToken.None)).Select(d => d.Id));
    }
}
