using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Store;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>
/// The garbage collector's part of deletion: dependents (by ownerReference uid) go when their owner goes,
/// objects created with only vanished owners go at once, foreground deletion removes dependents before
/// the owner, and orphaning strips the owner's reference from them.
/// </summary>
internal sealed class GarbageCollector(ObjectStore store)
{
    public const string ForegroundFinalizer = "foregroundDeletion";

    /// <summary>Deletes the dependents of a deleted owner, or unlinks those that still have another live owner.</summary>
    public void CollectDependents(string ownerUid)
    {
        if (ownerUid.Length == 0)
        {
            return;
        }

        foreach (var (type, @namespace, name) in store.FindDependents(ownerUid))
        {
            var dependent = store.Get(type, @namespace, name);
            if (dependent is null)
            {
                continue;
            }

            var otherOwners = OwnerUids(dependent).Where(uid => uid != ownerUid).ToList();
            if (otherOwners.Any(store.ExistsUid))
            {
                Unlink(type, @namespace, name, ownerUid);
            }
            else
            {
                TryDelete(type, @namespace, name);
            }
        }
    }

    /// <summary>Deletes a new object whose every owner is already gone (as the GC does with dangling references).</summary>
    public bool DeleteIfOrphaned(ResourceType type, JsonObject obj)
    {
        var owners = OwnerUids(obj).ToList();
        if (owners.Count == 0 || owners.Any(store.ExistsUid))
        {
            return false;
        }

        TryDelete(type, KubeJson.Namespace(obj) ?? "", KubeJson.Name(obj) ?? "");
        return true;
    }

    /// <summary>For an owner marked with the foregroundDeletion finalizer: delete its dependents, then let it go.</summary>
    public bool FinishForegroundDeletion(ResourceType type, JsonObject obj)
    {
        var metadata = obj["metadata"];
        if (metadata?["deletionTimestamp"] is null
            || metadata["finalizers"] is not JsonArray finalizers
            || !finalizers.Any(finalizer => KubeJson.String(finalizer) == ForegroundFinalizer))
        {
            return false;
        }

        foreach (var (dependentType, @namespace, name) in store.FindDependents(KubeJson.Uid(obj) ?? ""))
        {
            TryDelete(dependentType, @namespace, name);
        }

        try
        {
            store.Update(type, KubeJson.Namespace(obj) ?? "", KubeJson.Name(obj) ?? "", current =>
            {
                if (current["metadata"]?["finalizers"] is JsonArray list)
                {
                    foreach (var item in list.Where(item => KubeJson.String(item) == ForegroundFinalizer).ToList())
                    {
                        list.Remove(item);
                    }
                }

                return current;
            });
        }
        catch (ApiException error) when (error.Code == 404)
        {
            // Someone else finished the deletion first.
        }

        return true;
    }

    /// <summary>Removes the owner's reference from all its dependents (propagationPolicy=Orphan).</summary>
    public void OrphanDependents(string ownerUid)
    {
        foreach (var (type, @namespace, name) in store.FindDependents(ownerUid))
        {
            Unlink(type, @namespace, name, ownerUid);
        }
    }

    private void Unlink(ResourceType type, string @namespace, string name, string ownerUid)
    {
        try
        {
            store.Update(type, @namespace, name, current =>
            {
                if (current["metadata"]?["ownerReferences"] is JsonArray owners)
                {
                    foreach (var owner in owners.Where(owner => KubeJson.String(owner?["uid"]) == ownerUid).ToList())
                    {
                        owners.Remove(owner);
                    }

                    if (owners.Count == 0)
                    {
                        KubeJson.Metadata(current).Remove("ownerReferences");
                    }
                }

                return current;
            });
        }
        catch (ApiException error) when (error.Code == 404)
        {
            // Already gone: nothing to unlink.
        }
    }

    private void TryDelete(ResourceType type, string @namespace, string name)
    {
        try
        {
            store.Delete(type, @namespace, name);
        }
        catch (ApiException error) when (error.Code == 404)
        {
            // Deleted concurrently, which is the outcome wanted.
        }
    }

    private static IEnumerable<string> OwnerUids(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? [])
            .Select(owner => KubeJson.String(owner?["uid"]))
            .OfType<string>();
}
