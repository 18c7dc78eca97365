using System.Text;
using k8s.Autorest;
using k8s.Models;
using MFlow.Contracts;
using MFlow.Execution.Reporting;
using MFlow.Kubernetes;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// Masks a finished Job's log for its task's secret values, as the local executor does, before the
/// log goes into the terminal TaskUpdated (and so into run events, the API and notifications). The
/// tracker may run in a replica that never saw the values, so it reads them back from the task's own
/// Secret (the values MFlow put there, not its kind's own data): once, at the end, and only for a Job
/// marked <see cref="TaskLabels.MaskedSecret"/>, so a task without sensitive values costs no request more.
/// </summary>
public static class JobLogMask
{
    /// <summary>What stands for a log that cannot be masked (its Secret is gone or unreadable): never the log itself.</summary>
    public const string Withheld = "(log withheld: the task's secret values, needed to mask it, could not be read back from its Secret)";

    /// <summary>
    /// <paramref name="report"/> with its log and tail masked for the values of <paramref name="job"/>'s
    /// marked Secret, or replaced by <see cref="Withheld"/> when they cannot be read; as it is for an unmarked Job.
    /// </summary>
    public static async Task<TaskReport> ApplyAsync(IKubernetesApi client, V1Job job, TaskReport report, CancellationToken cancellationToken)
    {
        if ((report.Log is null && report.LogTail is null) || job.Metadata.Annotations?.TryGetValue(TaskLabels.MaskedSecret, out var secretName) != true)
            return report;
        IReadOnlyList<string> values;
        try
        {
            var secret = await client.ReadSecretAsync(job.Metadata.NamespaceProperty, secretName!, cancellationToken);
            values = SecretMask.ValuesOf((secret.Data ?? new Dictionary<string, byte[]>())
                .Where(entry => TaskManifestFactory.HoldsSecretValue(entry.Key))
                .Select(entry => Encoding.UTF8.GetString(entry.Value)));
        }
        catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or TimeoutException)
        {
            // Deleted with its Job (the garbage collector), or not readable (RBAC): better no log than an unmasked one.
            return report with { Log = Withheld, LogTail = Withheld };
        }

        // The log (its last lines) starts at a line's start, and its end may be cut mid-line by the
        // byte limit it was read with; the tail, cut to its length from the log's end, may start mid-line.
        var cutAtEnd = report.Log is { } log && Encoding.UTF8.GetByteCount(log) >= TaskUpdated.MaxLogLength;
        return report with
        {
            Log = SecretMask.ApplyToPart(report.Log, values, cutAtStart: false, cutAtEnd),
            LogTail = SecretMask.ApplyToPart(report.LogTail, values, cutAtStart: report.LogTail?.Length >= LogTail.MaxChars, cutAtEnd),
        };
    }
}
