using MFlow.Scheduler.Events;
using Microsoft.Extensions.Options;

namespace MFlow.Scheduler.Tests.Api;

/// <summary>A replica refuses event streams past its limits, in all and per API key, and frees a slot when a stream ends.</summary>
public sealed class When_event_streams_are_limited
{
    [Fact]
    public void Should_refuse_a_key_past_its_share_and_the_replica_past_its_total()
    {
        var streams = new RunEventStreams(Options.Create(new RunEventStreamOptions { MaxStreams = 3, MaxStreamsPerKey = 2 }));

        var first = streams.TryOpen("dashboard");
        var second = streams.TryOpen("dashboard");
        var third = streams.TryOpen("dashboard");
        Assert.NotNull(first.Lease);
        Assert.NotNull(second.Lease);
        Assert.Null(third.Lease);
        Assert.Equal("The key 'dashboard' holds 2 event streams already, the most one key may (MFlow:Api:EventStreams:MaxStreamsPerKey); close one first.", third.Refusal);

        var other = streams.TryOpen("cli");
        Assert.NotNull(other.Lease);
        var fourth = streams.TryOpen("ci");
        Assert.Null(fourth.Lease);
        Assert.Contains("MFlow:Api:EventStreams:MaxStreams", fourth.Refusal);

        // Ending a stream (twice: a lease is released once) frees one slot of its key and of the replica.
        first.Lease!.Dispose();
        first.Lease.Dispose();
        Assert.Equal(2, streams.Open);
        Assert.NotNull(streams.TryOpen("dashboard").Lease);
        Assert.Null(streams.TryOpen("dashboard").Lease);
    }
}
