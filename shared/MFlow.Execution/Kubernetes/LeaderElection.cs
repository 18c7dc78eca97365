using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease with the official client's
/// <see cref="LeaderElector"/>: one replica holds the Lease and renews it; the others watch it age
/// (by their own clock) and take it over once it was not renewed for its duration. What MFlow adds:
/// running the work only while leading, and giving the Lease up on shutdown so that another replica
/// takes over at once rather than after the Lease's duration.
/// </summary>
public sealed class LeaderElection(
    IKubernetes client,
    string @namespace,
    string leaseName,
    string identity,
    LeaderElectionOptions options,
    ILogger<LeaderElection> logger)
{
    /// <summary>This replica's name in the Lease.</summary>
    public string Identity => identity;

    /// <summary>True while this replica holds the Lease.</summary>
    public bool IsLeader { get; private set; }

    /// <summary>
    /// Runs <paramref name="lead"/> while this replica holds the Lease, cancelling it when the Lease
    /// is lost (and trying to win it again), until <paramref name="stopping"/>; then releases the Lease.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken stopping)
    {
        using var elector = new LeaderElector(new LeaderElectionConfig(new MicroTimeLeaseLock(client, @namespace, leaseName, identity))
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        });
        elector.OnError += ex => logger.LogWarning(ex, "Leader election on {Lease} failed", leaseName);
        while (!stopping.IsCancellationRequested)
        {
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var work = Task.CompletedTask;
            void Started()
            {
                IsLeader = true;
                logger.LogInformation("{Identity} leads {Lease}", identity, leaseName);
                work = lead(leading.Token);
            }

            elector.OnStartedLeading += Started;
            try
            {
                await elector.RunUntilLeadershipLostAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            finally
            {
                elector.OnStartedLeading -= Started;
                IsLeader = false;
                await leading.CancelAsync();
            }

            try
            {
                await work;
            }
            catch (OperationCanceledException)
            {
            }

            if (!stopping.IsCancellationRequested)
                logger.LogWarning("{Identity} lost {Lease}; standing by", identity, leaseName);
        }

        await ReleaseAsync();
    }

    // As client-go releases: an empty holder, and renewed now with a duration of 1 s. Never a null
    // holder: an elector reads that as "no Lease yet" and would try to create it, in vain.
    async Task ReleaseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(leaseName, @namespace, cancellationToken: timeout.Token);
            if (lease.Spec?.HolderIdentity != identity)
                return;
            var now = MicroTimeLeaseLock.Now();
            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.AcquireTime = now;
            lease.Spec.RenewTime = now;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, leaseName, @namespace, cancellationToken: timeout.Token);
            logger.LogInformation("{Identity} released {Lease}", identity, leaseName);
        }
        catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or OperationCanceledException or TimeoutException)
        {
            logger.LogInformation(ex, "Could not release {Lease}; it expires on its own", leaseName);
        }
    }

    // The Lease's times are MicroTime, which the API server parses with exactly six fractional
    // digits; the client omits the fraction of a time on a whole second, so such a time is moved by
    // a microsecond. The Lease also says who manages it.
    sealed class MicroTimeLeaseLock(IKubernetes client, string @namespace, string name, string identity)
        : LeaseLock(client, @namespace, name, identity)
    {
        public static DateTime Now() => Micro(DateTime.UtcNow);

        protected override V1Lease SetLeaderElectionRecord(LeaderElectionRecord record, V1Lease metaObj)
        {
            var lease = base.SetLeaderElectionRecord(record, metaObj);
            lease.ApiVersion = "coordination.k8s.io/v1";
            lease.Kind = V1Lease.KubeKind;
            lease.Metadata.Labels ??= new Dictionary<string, string>();
            lease.Metadata.Labels[TaskLabels.ManagedBy] = TaskLabels.ManagedByValue;
            lease.Spec.AcquireTime = lease.Spec.AcquireTime is { } acquired ? Micro(acquired) : null;
            lease.Spec.RenewTime = lease.Spec.RenewTime is { } renewed ? Micro(renewed) : null;
            return lease;
        }

        static DateTime Micro(DateTime time) => time.Ticks % TimeSpan.TicksPerSecond == 0 ? time.AddTicks(10) : time;
    }
}

/// <summary>Leader election timing, bound from "MFlow:Kubernetes:LeaderElection" (client-go's defaults).</summary>
public sealed class LeaderElectionOptions
{
    /// <summary>
    /// Elect one tracking replica per job kind. Turn it on whenever a worker runs more than one
    /// replica with the kubernetes executor (the k8s/ manifests do).
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>The namespace the Leases live in; default: the worker's tasks namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>How long a claim lasts without renewal before another replica may take over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps leading while renewals fail; must be shorter than the duration.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the leader renews, and a standing-by replica looks at the Lease.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Timings under which a leader could not keep its Lease (client-go's rules: a renewal must fit
    /// into the deadline with its jitter, and the deadline end before another replica may take over).
    /// </summary>
    public IEnumerable<string> Problems()
    {
        const string section = "MFlow:Kubernetes:LeaderElection";
        if (!Enabled)
            yield break;
        if (RetryPeriod <= TimeSpan.Zero)
            yield return $"{section}:RetryPeriod must be positive.";
        else if (RenewDeadline <= RetryPeriod * 1.2)
            yield return $"{section}:RenewDeadline must be longer than 1.2 times RetryPeriod ({RetryPeriod}).";
        if (LeaseDuration <= RenewDeadline)
            yield return $"{section}:LeaseDuration must be longer than RenewDeadline ({RenewDeadline}).";
    }
}
