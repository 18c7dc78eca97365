using System.Reflection;
using k8s.Models;
using MFlow.Kubernetes;

namespace MFlow.Workers.Tests.Support;

/// <summary>
/// The API as it is, except that every Job is deleted as soon as it is created: a cancellation that
/// lands between the executor's create of a Job and the create of the Job's Secret.
/// </summary>
public class JobDeletedAtOnce : DispatchProxy
{
    IKubernetesApi _api = null!;

    /// <summary>Wraps <paramref name="api"/>.</summary>
    public static IKubernetesApi Around(IKubernetesApi api)
    {
        var proxy = Create<IKubernetesApi, JobDeletedAtOnce>();
        ((JobDeletedAtOnce)(object)proxy)._api = api;
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var result = targetMethod!.Invoke(_api, args);
        return targetMethod.Name == nameof(IKubernetesApi.CreateJobAsync) ? DeletedAsync((Task<V1Job>)result!) : result;
    }

    async Task<V1Job> DeletedAsync(Task<V1Job> created)
    {
        var job = await created;
        await _api.DeleteJobAsync(job.Metadata.NamespaceProperty, job.Metadata.Name);
        return job;
    }
}
