using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MFlow.Benchmarks;

/// <summary>
/// What the broker does with a plain, well-tuned RabbitMQ.Client 7 on the same virtual host:
/// persistent messages into a durable queue, published with publisher confirms by a few channels in
/// parallel (each keeping a window of publishes in flight and awaiting their confirms together), and
/// consumed at the same time with a manual ack per message. MFlow needs the same guarantees (persistent,
/// confirmed, acked after work), so this is the ceiling for its messages per second.
/// </summary>
public static class RabbitMqBaseline
{
    /// <summary>Publishing channels in parallel.</summary>
    public const int Publishers = 4;

    /// <summary>Publishes each channel has in flight before it awaits their confirms.</summary>
    public const int ConfirmWindow = 100;

    /// <summary>The message body size: about a MassTransit envelope of a TaskUpdated.</summary>
    public const int BodyBytes = 1024;

    /// <summary>Publishes and consumes <paramref name="messages"/> messages; returns messages per second (publish through ack).</summary>
    public static async Task<BaselineResult> MeasureAsync(Uri virtualHostUrl, int messages)
    {
        var factory = new ConnectionFactory { Uri = virtualHostUrl, ClientProvidedName = "mflow-bench-baseline" };
        await using var publishing = await factory.CreateConnectionAsync();
        await using var consuming = await factory.CreateConnectionAsync();
        var queue = $"mflow-bench-baseline-{Guid.NewGuid():N}";
        await using (var setup = await publishing.CreateChannelAsync())
            await setup.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);

        try
        {
            // A short warm-up (JIT, connection buffers, queue process) that is not counted.
            await RunAsync(publishing, consuming, queue, Math.Min(2_000, messages));
            var elapsed = await RunAsync(publishing, consuming, queue, messages);
            return new BaselineResult(messages / elapsed.TotalSeconds, messages, elapsed);
        }
        finally
        {
            await using var cleanup = await publishing.CreateChannelAsync();
            await cleanup.QueueDeleteAsync(queue);
        }
    }

    static async Task<TimeSpan> RunAsync(IConnection publishing, IConnection consuming, string queue, int messages)
    {
        var consumed = 0;
        var allConsumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var consumerChannel = await consuming.CreateChannelAsync();
        await consumerChannel.BasicQosAsync(0, 500, global: false);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref consumed) == messages)
                allConsumed.TrySetResult();
        };
        var tag = await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

        var body = new byte[BodyBytes];
        Random.Shared.NextBytes(body);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Publishers).Select(async publisher =>
        {
            var count = messages / Publishers + (publisher < messages % Publishers ? 1 : 0);
            // The window bounds what is in flight, so the library's own throttling is not needed.
            await using var channel = await publishing.CreateChannelAsync(new CreateChannelOptions(
                publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
            var properties = new BasicProperties { Persistent = true, ContentType = "application/octet-stream" };
            var window = new List<ValueTask>(ConfirmWindow);
            for (var i = 0; i < count; i++)
            {
                window.Add(channel.BasicPublishAsync("", queue, mandatory: true, properties, body));
                if (window.Count == ConfirmWindow || i == count - 1)
                {
                    foreach (var confirm in window)
                        await confirm;
                    window.Clear();
                }
            }
        }));
        await allConsumed.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var elapsed = clock.Elapsed;
        await consumerChannel.BasicCancelAsync(tag);
        return elapsed;
    }
}

/// <summary>A raw baseline's rate and how it was measured.</summary>
public sealed record BaselineResult(double PerSecond, long Operations, TimeSpan Elapsed);
