using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MFlow.Benchmarks;

/// <summary>
/// The least a stage boundary can take on this broker and database at a given concurrency: the raw
/// publish → consume hop (persistent, confirmed, RabbitMQ.Client alone) times the hops a boundary
/// needs, plus the raw commit (Npgsql alone, a single-row UPDATE) times the commits it needs, each at
/// p50 and at p99. Dead time is reported as a multiple of it, which holds from one machine to the next.
/// </summary>
/// <remarks>
/// A boundary is three hops (the last task's TaskUpdated to the aggregator, StageCompleted to the
/// scheduler, the next task's command to its worker) and two commits (the aggregator's, which
/// completes the stage; the scheduler's dispatch). "At a concurrency of c" means c clients, each
/// with one message (or transaction) in flight at a time, as c runs finishing their stages together
/// do; the database's clients are capped at <see cref="MaxConnections"/>, about what MFlow's
/// consumers hold open at once.
/// </remarks>
public static class LatencyFloor
{
    /// <summary>Broker hops between a stage's last task ending and the next stage's first Job being created.</summary>
    public const int HopsPerBoundary = 3;

    /// <summary>Commits on that path.</summary>
    public const int CommitsPerBoundary = 2;

    /// <summary>The most database connections the commit latency is measured with.</summary>
    public const int MaxConnections = 64;

    /// <summary>The raw hop and commit latencies at <paramref name="concurrency"/>, and the floor they make.</summary>
    public static async Task<FloorResult> MeasureAsync(Uri virtualHostUrl, string connectionString, int concurrency)
    {
        var hop = await HopLatencyAsync(virtualHostUrl, concurrency);
        var commit = await CommitLatencyAsync(connectionString, Math.Min(concurrency, MaxConnections));
        return new FloorResult(concurrency, hop, commit);
    }

    // Each client publishes a persistent message with confirms on one of a few channels and waits
    // until the consumer has it; the hop is publish start → delivery. A short warm-up is not counted.
    static async Task<Distribution> HopLatencyAsync(Uri virtualHostUrl, int clients)
    {
        var factory = new ConnectionFactory { Uri = virtualHostUrl, ClientProvidedName = "mflow-bench-floor" };
        await using var publishing = await factory.CreateConnectionAsync();
        await using var consuming = await factory.CreateConnectionAsync();
        var queue = $"mflow-bench-floor-{Guid.NewGuid():N}";
        await using var consumerChannel = await consuming.CreateChannelAsync();
        await consumerChannel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        try
        {
            var waiting = new ConcurrentDictionary<long, (long Started, TaskCompletionSource<double> Done)>();
            await consumerChannel.BasicQosAsync(0, 1000, global: false);
            var consumer = new AsyncEventingBasicConsumer(consumerChannel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                var arrived = Stopwatch.GetTimestamp();
                await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
                if (waiting.TryRemove(BitConverter.ToInt64(delivery.Body.Span), out var sent))
                    sent.Done.TrySetResult(Stopwatch.GetElapsedTime(sent.Started, arrived).TotalMilliseconds);
            };
            var tag = await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

            var channels = new List<IChannel>();
            for (var i = 0; i < Math.Min(clients, RabbitMqBaseline.Publishers); i++)
                channels.Add(await publishing.CreateChannelAsync(new CreateChannelOptions(
                    publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null)));
            var properties = new BasicProperties { Persistent = true, ContentType = "application/octet-stream" };
            long next = 0;

            async Task<List<double>> RoundsAsync(int rounds)
            {
                var samples = new ConcurrentBag<double>();
                await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
                {
                    var channel = channels[client % channels.Count];
                    for (var round = 0; round < rounds; round++)
                    {
                        var id = Interlocked.Increment(ref next);
                        var body = new byte[RabbitMqBaseline.BodyBytes];
                        BitConverter.TryWriteBytes(body, id);
                        var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
                        waiting[id] = (Stopwatch.GetTimestamp(), done);
                        await channel.BasicPublishAsync("", queue, mandatory: true, properties, body);
                        samples.Add(await done.Task.WaitAsync(TimeSpan.FromMinutes(1)));
                    }
                }));
                return [.. samples];
            }

            await RoundsAsync(Math.Max(1, 200 / clients));
            // At least 1,000 samples (p99 then rests on ten of them), at least three rounds.
            var hops = await RoundsAsync(Math.Max(3, (1000 + clients - 1) / clients));
            foreach (var channel in channels)
                await channel.DisposeAsync();
            await consumerChannel.BasicCancelAsync(tag);
            return Distribution.Of(hops);
        }
        finally
        {
            await consumerChannel.QueueDeleteAsync(queue);
        }
    }

    // Each client commits single-row UPDATEs of rows of its own, one after the other.
    static async Task<Distribution> CommitLatencyAsync(string connectionString, int clients)
    {
        await using var data = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = clients + 4 }.ConnectionString);
        await using (var setup = data.CreateCommand(
            $"""
            CREATE TABLE IF NOT EXISTS bench_floor (id int PRIMARY KEY, counter bigint NOT NULL);
            INSERT INTO bench_floor SELECT g, 0 FROM generate_series(1, {clients}) g ON CONFLICT DO NOTHING;
            """))
        {
            await setup.ExecuteNonQueryAsync();
        }

        try
        {
            async Task<List<double>> RoundsAsync(int rounds)
            {
                var samples = new ConcurrentBag<double>();
                await Task.WhenAll(Enumerable.Range(1, clients).Select(async row =>
                {
                    await using var connection = await data.OpenConnectionAsync();
                    await using var update = new NpgsqlCommand("UPDATE bench_floor SET counter = counter + 1 WHERE id = @id", connection);
                    update.Parameters.Add(new NpgsqlParameter<int>("id", row));
                    for (var round = 0; round < rounds; round++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        await update.ExecuteNonQueryAsync();
                        samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }));
                return [.. samples];
            }

            await RoundsAsync(Math.Max(5, 200 / clients));
            return Distribution.Of(await RoundsAsync(Math.Max(10, (1000 + clients - 1) / clients)));
        }
        finally
        {
            await using var drop = data.CreateCommand("DROP TABLE IF EXISTS bench_floor");
            await drop.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>The raw latencies at one concurrency, and the floor of a stage boundary they make (ms).</summary>
public sealed record FloorResult(int Concurrency, Distribution Hop, Distribution Commit)
{
    /// <summary>The boundary's floor at p50.</summary>
    public double P50 => (LatencyFloor.HopsPerBoundary * Hop.P50) + (LatencyFloor.CommitsPerBoundary * Commit.P50);

    /// <summary>The boundary's floor at p99.</summary>
    public double P99 => (LatencyFloor.HopsPerBoundary * Hop.P99) + (LatencyFloor.CommitsPerBoundary * Commit.P99);
}
