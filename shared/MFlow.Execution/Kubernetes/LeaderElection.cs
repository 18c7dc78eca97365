using MFlow.Kubernetes;
using MFlow.Kubernetes.Errors;
using MFlow.Kubernetes.Models;
using Microsoft.Extensions.Logging;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, the way Kubernetes controllers do it: one
/// replica holds the Lease and renews it; the others watch it age and take it over once it has not
/// been renewed for its duration. Expiry is judged by when this replica last saw the Lease change
/// (its own clock), never by comparing another machine's timestamps.
/// </summary>
public sealed class LeaderElection(
    IKubernetesClient client,
    string @namespace,
    string leaseName,
    string identity,
    LeaderElectionOptions options,
    ILogger<LeaderElection> logger,
    TimeProvider? time = null)
{
    readonly TimeProvider _time = time ?? TimeProvider.System;
    (string? Holder, DateTimeOffset? RenewTime, string? ResourceVersion) _observed;
    DateTimeOffset _observedAt;

    /// <summary>This replica's name in the Lease.</summary>
    public string Identity => identity;

    /// <summary>True while this replica holds the Lease.</summary>
    public bool IsLeader { get; private set; }

    /// <summary>
    /// Runs <paramref name="lead"/> while this replica holds the Lease, cancelling it when the Lease
    /// is lost (and trying to win it again), until <paramref name="stopping"/>; then gives the Lease
    /// up so another replica takes over at once rather than after its duration.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (!await TryAcquireOrRenewAsync(stopping))
            {
                await DelayAsync(options.RetryPeriod, stopping);
                continue;
            }

            logger.LogInformation("{Identity} leads {Lease}", identity, leaseName);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var work = lead(leading.Token);
            await RenewWhileLeadingAsync(work, stopping);
            leading.Cancel();
            try
            {
                await work;
            }
            catch (OperationCanceledException)
            {
            }

            IsLeader = false;
            if (!stopping.IsCancellationRequested)
                logger.LogWarning("{Identity} lost {Lease}; standing by", identity, leaseName);
        }

        await ReleaseAsync();
    }

    async Task RenewWhileLeadingAsync(Task work, CancellationToken stopping)
    {
        var lastRenewed = _time.GetUtcNow();
        while (!stopping.IsCancellationRequested && !work.IsCompleted)
        {
            await Task.WhenAny(work, DelayAsync(options.RenewPeriod, stopping));
            if (stopping.IsCancellationRequested || work.IsCompleted)
                return;
            if (await TryAcquireOrRenewAsync(stopping))
                lastRenewed = _time.GetUtcNow();
            else if (_time.GetUtcNow() - lastRenewed > options.RenewDeadline || !string.Equals(_observed.Holder, identity, StringComparison.Ordinal))
                return; // another replica holds it, or we could not renew in time: stop leading before it may take over
        }
    }

    async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        try
        {
            Lease lease;
            try
            {
                lease = await client.GetLeaseAsync(@namespace, leaseName, cancellationToken);
            }
            catch (NotFoundException)
            {
                await client.CreateLeaseAsync(@namespace, NewLease(now, transitions: 0), cancellationToken);
                Observe(identity, now, null, now);
                return IsLeader = true;
            }

            var spec = lease.Spec ?? new LeaseSpec();
            if (!Equals(_observed, (spec.HolderIdentity, spec.RenewTime, lease.Metadata.ResourceVersion)))
                Observe(spec.HolderIdentity, spec.RenewTime, lease.Metadata.ResourceVersion, now);

            var held = !string.IsNullOrEmpty(spec.HolderIdentity) && spec.HolderIdentity != identity;
            var duration = TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? (int)options.LeaseDuration.TotalSeconds);
            if (held && now - _observedAt < duration)
                return IsLeader = false;

            var ours = spec.HolderIdentity == identity;
            lease.Spec = new LeaseSpec
            {
                HolderIdentity = identity,
                LeaseDurationSeconds = (int)options.LeaseDuration.TotalSeconds,
                AcquireTime = ours ? spec.AcquireTime ?? now : now,
                RenewTime = now,
                LeaseTransitions = (spec.LeaseTransitions ?? 0) + (ours ? 0 : 1),
            };
            var updated = await client.ReplaceLeaseAsync(@namespace, lease, cancellationToken);
            Observe(identity, now, updated.Metadata.ResourceVersion, now);
            return IsLeader = true;
        }
        catch (Exception ex) when (ex is AlreadyExistsException or ConflictException)
        {
            return IsLeader = false; // another replica wrote first
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or TimeoutException)
        {
            logger.LogWarning("Leader election on {Lease}: {Error}", leaseName, ex.Message);
            return IsLeader = false;
        }
    }

    async Task ReleaseAsync()
    {
        if (!string.Equals(_observed.Holder, identity, StringComparison.Ordinal))
            return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var lease = await client.GetLeaseAsync(@namespace, leaseName, timeout.Token);
            if (lease.Spec?.HolderIdentity != identity)
                return;
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            await client.ReplaceLeaseAsync(@namespace, lease, timeout.Token);
            logger.LogInformation("{Identity} released {Lease}", identity, leaseName);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or OperationCanceledException)
        {
            logger.LogInformation("Could not release {Lease} ({Error}); it expires on its own", leaseName, ex.Message);
        }
    }

    Lease NewLease(DateTimeOffset now, int transitions) => new()
    {
        Metadata = new ObjectMeta { Name = leaseName, Namespace = @namespace, Labels = new() { [TaskLabels.ManagedBy] = TaskLabels.ManagedByValue } },
        Spec = new LeaseSpec
        {
            HolderIdentity = identity,
            LeaseDurationSeconds = (int)options.LeaseDuration.TotalSeconds,
            AcquireTime = now,
            RenewTime = now,
            LeaseTransitions = transitions,
        },
    };

    void Observe(string? holder, DateTimeOffset? renewTime, string? resourceVersion, DateTimeOffset now)
    {
        _observed = (holder, renewTime, resourceVersion);
        _observedAt = now;
    }

    Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        Task.Delay(delay, _time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
}

/// <summary>Leader election timing, bound from "MFlow:Kubernetes:LeaderElection".</summary>
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

    /// <summary>How often the leader renews.</summary>
    public TimeSpan RenewPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the leader keeps leading while renewals fail; must be shorter than the duration.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a standing-by replica looks at the Lease.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
