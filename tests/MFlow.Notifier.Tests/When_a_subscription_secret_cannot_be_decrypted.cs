using System.Security.Cryptography;
using MFlow.Notifications;
using MFlow.Notifier.Delivery;
using MFlow.Persistence;
using MFlow.Persistence.KeyRing;
using MFlow.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MFlow.Notifier.Tests;

/// <summary>
/// A notifier whose key ring is not the one a subscription's secret was encrypted with (the key ring
/// was replaced, or the notifier got another key-encryption key), on SQLite as the embedded default keeps it.
/// </summary>
public sealed class When_a_subscription_secret_cannot_be_decrypted : IAsyncLifetime
{
    const string Secret = "whsec-never-shown-0123456789";

    readonly string _directory = Path.Combine(Path.GetTempPath(), "mflow-notify-" + Guid.NewGuid().ToString("N")[..8]);
    Database _database = null!;
    ServiceProvider _notifierServices = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _database = new Database(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(_directory, "mflow.db")}" });
        await new SchemaMigrator(_database, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);

        // The notifier's key ring, as it runs on its own: the database's, read-only.
        var services = new ServiceCollection().AddSingleton(_database).AddLogging();
        services.AddDatabaseKeyRing(new ConfigurationBuilder().Build());
        services.AddReadOnlyKeyRing();
        _notifierServices = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _notifierServices.DisposeAsync();
        await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Should_fail_the_delivery_at_the_first_try_with_the_reason_and_never_the_secret()
    {
        // Saved by a scheduler whose key ring this notifier does not have.
        var savedElsewhere = new SubscriptionStore(_database, new EphemeralDataProtectionProvider());
        var subscription = await savedElsewhere.CreateAsync(
            new SubscriptionRequest { Name = "alerts", Url = "https://hooks.example.com/mflow", Secret = Secret }, "admin", CancellationToken.None);
        var deliveries = new DeliveryStore(_database);
        var delivery = new NewDelivery(Guid.NewGuid(), subscription!.Id, NotificationEvents.RunFailed, Guid.NewGuid(), "{}");
        await deliveries.EnqueueAsync([delivery], CancellationToken.None);

        var logs = new RecordingLogger<DeliveryDispatcher>();
        var options = Options.Create(new NotificationOptions { MaxAttempts = 5, FirstRetryDelay = TimeSpan.FromMilliseconds(10), PollInterval = TimeSpan.FromMilliseconds(50) });
        using var sender = new DeliverySender(options);
        var subscriptions = new SubscriptionStore(_database, _notifierServices.GetRequiredService<IDataProtectionProvider>());
        using var dispatcher = new DeliveryDispatcher(deliveries, subscriptions, sender, options, logs);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            var failed = await Eventually.UntilAsync(
                async () => (await deliveries.ListAsync(subscription.Id, 10, CancellationToken.None)).Single(),
                d => d.Status == DeliveryStatus.Failed,
                TimeSpan.FromSeconds(30),
                "the delivery failed for good");

            // One try, not MaxAttempts: no later try could decrypt it either.
            var attempt = Assert.Single(failed.AttemptLog);
            Assert.Null(failed.NextAttemptAt);
            Assert.Contains("secret cannot be decrypted", attempt.Error);
            Assert.Contains("Set the secret again", attempt.Error);
            Assert.DoesNotContain(Secret, attempt.Error);
            Assert.Contains(logs.Lines, line => line.Contains("giving up", StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Lines, line => line.Contains(Secret, StringComparison.Ordinal));
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Should_create_no_key_of_its_own_and_say_why_it_cannot_decrypt()
    {
        var protector = _notifierServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("MFlow.Notifications.SubscriptionSecret");
        var elsewhere = new EphemeralDataProtectionProvider().CreateProtector("MFlow.Notifications.SubscriptionSecret").Protect(Secret);

        var refused = Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(elsewhere));
        Assert.DoesNotContain(Secret, refused.Message);
        // An empty key ring stays empty: nothing it might encrypt later would be readable by the scheduler's replicas.
        Assert.ThrowsAny<CryptographicException>(() => protector.Protect("anything"));
        await using var connection = await _database.OpenAsync();
        await using var count = connection.Command("SELECT count(*) FROM data_protection_keys");
        Assert.Equal(0L, Convert.ToInt64(await count.ExecuteScalarAsync()));
    }
}
