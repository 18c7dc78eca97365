using System.Reflection;
using k8s.Models;
using MFlow.Kubernetes;

namespace MFlow.Workers.Tests.Support;

/// <summary>
/// The API as it is, except that something happens as soon as a Job is created, between the executor's
/// create of the Job and its create of the Job's Secret: a cancellation that deletes the Job, or the
/// worker dying.
/// </summary>
public class AfterJobCreated : DispatchProxy
{
    IKubernetesApi _api = null!;
    Func<IKubernetesApi, V1Job, Task> _then = null!;

    /// <summary>Wraps <paramref name="api"/>; <paramref name="then"/> runs after each Job is created.</summary>
    public static IKubernetesApi Around(IKubernetesApi api, Func<IKubernetesApi, V1Job, Task> then)
    {
        var proxy = Create<IKubernetesApi, AfterJobCreated>();
        var self = (AfterJobCreated)(object)proxy;
        (self._api, self._then) = (api, then);
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var result = targetMethod!.Invoke(_api, args);
        return targetMethod.Name == nameof(IKubernetesApi.CreateJobAsync) ? ThenAsync((Task<V1Job>)result!) : result;
    }

    async Task<V1Job> ThenAsync(Task<V1Job> created)
    {
        var job = await created;
        await _then(_api, job);
        return job;
    }
}
