using System.Text;
using MFlow.Contracts;
using MFlow.IntegrationTests.Kubernetes;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;
using Xunit.Abstractions;

namespace MFlow.IntegrationTests.Faults;

/// <summary>
/// Issue 5, fault tests: in the middle of a run of twenty pipelines, every MFlow queue gets a burst
/// of garbage: a message that is not JSON, a real message cut in half, and one of 5 to 10 MB.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class When_garbage_arrives_on_every_queue(KubernetesCluster cluster, ITestOutputHelper output)
{
    private const string MarkerHeader = "MFlow-Fault-Test";
    private const string KindHeader = "MFlow-Fault-Kind";
    private const string ContentType = "application/vnd.masstransit+json";

    /// <summary>By queue: a message type its consumer takes, and the real message type whose copy is cut in half for it.</summary>
    private static readonly IReadOnlyDictionary<string, (string Consumes, Type CutFrom)> _queues = new Dictionary<string, (string, Type)>
    {
        ["mflow-scheduler"] = (nameof(StartPipeline), typeof(StageCompleted)),
        ["mflow-aggregator"] = (nameof(TaskUpdated), typeof(TaskUpdated)),
        ["mflow-build-worker"] = (nameof(RunBuildTask), typeof(RunBuildTask)),
        ["mflow-deploy-worker"] = (nameof(RunDeployTask), typeof(RunDeployTask)),
        ["mflow-vm-worker"] = (nameof(RunVmTask), typeof(RunVmTask)),
        // No run is cancelled here, so no CancelTask goes by to be copied: the cancel queues get the
        // kind's run-task command cut in half, which their consumer cannot read either.
        ["mflow-build-worker-cancel"] = (nameof(CancelTask), typeof(RunBuildTask)),
        ["mflow-deploy-worker-cancel"] = (nameof(CancelTask), typeof(RunDeployTask)),
        ["mflow-vm-worker-cancel"] = (nameof(CancelTask), typeof(RunVmTask)),
    };

    [Fact]
    public async Task Should_fault_exactly_the_garbage_with_its_reason_and_finish_every_run()
    {
        Assert.Equal(FaultWorkload.Queues.Order(), _queues.Keys.Order());
        await using var workload = await FaultWorkload.CreateAsync(cluster, output, "junk", defaultSeed: 5401);
        var random = workload.Random;
        var afterJobs = (int)(workload.ExpectedJobs * (0.2 + (random.NextDouble() * 0.3)));
        var sizes = _queues.Keys.ToDictionary(queue => queue, _ => random.Next(5 * 1024 * 1024, 10 * 1024 * 1024));
        var marker = $"junk-{workload.Seed}-{Guid.NewGuid():N}";
        workload.Log($"plan: garbage to every queue after {afterJobs} Jobs; oversized messages of {sizes.Values.Min() / 1024} to {sizes.Values.Max() / 1024} KB");

        var submitting = workload.SubmitAllAsync();
        await workload.WaitForJobsCreatedAsync(afterJobs);

        // A real copy of each message type to cut in half, as the services published them.
        var types = _queues.Values.Select(q => SpiedMessage.UrnOf(q.CutFrom)).ToHashSet();
        var real = await Eventually.UntilAsync(
            async () => (await workload.Spy.DrainAsync()).GroupBy(m => m.MessageType).Where(g => types.Contains(g.Key)).ToDictionary(g => g.Key, g => g.First()),
            found => found.Count == types.Count,
            FaultWorkload.FinalTimeout,
            "a real message of each type to cut in half went by");

        workload.Log($"injecting 3 x {_queues.Count} messages ({workload.JobsCreated()}/{workload.ExpectedJobs} Jobs created)");
        var fault = workload.BeginFault("garbage on every queue");
        var injected = new List<(string Queue, string Kind, int Length)>();
        foreach (var (queue, (consumes, cutFrom)) in _queues)
        {
            var whole = real[SpiedMessage.UrnOf(cutFrom)].Body;
            var garbage = new (string Kind, byte[] Body)[]
            {
                ("malformed", Encoding.UTF8.GetBytes($"\u0001this is not JSON {marker} {{{{")),
                ("truncated", whole[..(whole.Length / 2)]),
                ("oversized", Oversized(consumes, sizes[queue])),
            };
            foreach (var (kind, body) in garbage)
            {
                await cluster.VirtualHost.PublishRawAsync(queue, body, ContentType, new Dictionary<string, object?> { [MarkerHeader] = marker, [KindHeader] = kind });
                injected.Add((queue, kind, body.Length));
            }

            // Garbage is not an outage to recover from: the fault is its arrival, and the runs must keep
            // moving after it. Publishing all of it (8 oversized messages of 5-10 MB) can outlast every
            // run on a loaded machine (seen: all final before the last publish), so the work after it is
            // counted from the first queue's garbage on.
            if (fault.AtRecovery is null)
                workload.EndFault(fault);
        }

        await submitting;

        // Garbage moves no run: each run's tasks and the run itself end exactly once.
        await workload.AssertInvariantsAsync(
            injectedErrors: _queues.Keys.ToDictionary(queue => queue, _ => 3));

        // Each piece of garbage sits in its queue's _error twin, whole, with the reason it was refused.
        foreach (var queue in _queues.Keys)
        {
            var faulted = (await cluster.VirtualHost.GetMessagesAsync(queue + "_error", max: 1000))
                .Where(m => m.Header(MarkerHeader) == marker)
                .ToList();
            Assert.Equal(["malformed", "oversized", "truncated"], faulted.Select(m => m.Header(KindHeader)).Order());
            foreach (var message in faulted)
            {
                var what = $"{message.Header(KindHeader)} message in {queue}_error";
                Assert.Equal("fault", message.Header("MT-Reason"));
                Assert.False(string.IsNullOrWhiteSpace(message.Header("MT-Fault-Message")), $"{what} has no MT-Fault-Message: {message}");
                Assert.False(string.IsNullOrWhiteSpace(message.Header("MT-Fault-ExceptionType")), $"{what} has no MT-Fault-ExceptionType: {message}");
                Assert.Equal(injected.Single(i => i.Queue == queue && i.Kind == message.Header(KindHeader)).Length, message.Body.Length);
            }

            workload.Log($"{queue}_error: {string.Join("; ", faulted.Select(m => $"{m.Header(KindHeader)} ({m.Body.Length / 1024} KB): {m.Header("MT-Fault-ExceptionType")}: {Shorten(m.Header("MT-Fault-Message"))}"))}");
        }

        // Leave the error queues as the next test expects to find them: empty.
        foreach (var queue in _queues.Keys)
            await cluster.VirtualHost.GetMessagesAsync(queue + "_error", max: 1000, remove: true);
    }

    // A MassTransit envelope of a type the queue's consumer takes, without the ids every MFlow message
    // needs, padded to the given size: read in full, then refused.
    private static byte[] Oversized(string messageType, int size)
    {
        var head = $$"""{"messageId":"{{Guid.NewGuid()}}","messageType":["urn:message:MFlow.Contracts:{{messageType}}"],"message":{"padding":" """;
        const string tail = "\"}}";
        return Encoding.UTF8.GetBytes(head + new string('x', Math.Max(0, size - head.Length - tail.Length)) + tail);
    }

    private static string? Shorten(string? text) => text is { Length: > 120 } ? text[..120] + "..." : text;
}
