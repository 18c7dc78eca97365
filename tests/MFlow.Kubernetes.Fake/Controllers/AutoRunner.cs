using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>Plays a <see cref="PodScript"/> on one pod through the simulated kubelet.</summary>
internal static class AutoRunner
{
    public static async Task RunAsync(Kubelet kubelet, JsonObject pod, PodScript script, CancellationToken cancellationToken)
    {
        var @namespace = KubeJson.Namespace(pod) ?? "";
        var name = KubeJson.Name(pod) ?? "";
        try
        {
            if (script.WaitingReason is { } reason)
            {
                kubelet.SetWaiting(@namespace, name, reason, script.WaitingMessage);
                return;
            }

            if (script.RunningDelay is { } runningDelay && runningDelay > TimeSpan.Zero)
            {
                await Task.Delay(runningDelay, cancellationToken);
            }

            kubelet.SetRunning(@namespace, name);
            if (script.CompletionDelay is { } completionDelay && completionDelay > TimeSpan.Zero)
            {
                await Task.Delay(completionDelay, cancellationToken);
            }

            kubelet.Complete(@namespace, name, script.ExitCode, script.Log, script.TerminationMessage);
        }
        catch (Exception error) when (error is InvalidOperationException || (error is ApiException api && api.Code == 404))
        {
            // The pod was deleted or terminated by someone else (deadline, Job deletion) meanwhile.
        }
    }
}
