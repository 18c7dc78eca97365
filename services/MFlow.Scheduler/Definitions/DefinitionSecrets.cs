using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using MFlow.Persistence;

namespace MFlow.Scheduler.Definitions;

/// <summary>
/// Keeps a job's sensitive defaults (and its rollback values of sensitive params) encrypted at rest,
/// like every other secret MFlow stores: sealed before a definition is written, opened only when a
/// run resolves the job. The API shows them masked either way.
/// </summary>
public sealed class DefinitionSecrets(IDataProtectionProvider protection)
{
    /// <summary>The purpose the values are encrypted for.</summary>
    public const string Purpose = "MFlow.Definitions.SensitiveDefaults";

    readonly IDataProtector _protector = protection.CreateProtector(Purpose);

    /// <summary>The document to store: a job's sensitive values encrypted; other definitions as they are.</summary>
    public string Seal(string type, string document)
    {
        if (type != DefinitionTypes.Job)
            return document;
        var job = JsonSerializer.Deserialize<JobDefinitionDocument>(document, StoredJson.Options)!;
        var sensitive = SensitiveNames(job);
        foreach (var param in (job.Params ?? []).Where(p => p.Sensitive && p.Default is not null))
        {
            param.ProtectedDefault = _protector.Protect(param.Default!);
            param.Default = null;
        }

        if (job.Rollback?.Params is { } rollback)
        {
            foreach (var name in rollback.Keys.Where(sensitive.Contains).ToList())
            {
                (job.Rollback.ProtectedParams ??= [])[name] = _protector.Protect(rollback[name]);
                rollback.Remove(name);
            }
        }

        return JsonSerializer.Serialize(job, StoredJson.Options);
    }

    /// <summary>A stored job with its sensitive values decrypted, for resolving a run's params.</summary>
    public JobDefinitionDocument Open(JobDefinitionDocument job)
    {
        foreach (var param in (job.Params ?? []).Where(p => p.ProtectedDefault is not null))
        {
            param.Default = _protector.Unprotect(param.ProtectedDefault!);
            param.ProtectedDefault = null;
        }

        if (job.Rollback?.ProtectedParams is { } protectedParams)
        {
            job.Rollback.Params ??= [];
            foreach (var (name, value) in protectedParams)
                job.Rollback.Params[name] = _protector.Unprotect(value);
            job.Rollback.ProtectedParams = null;
        }

        return job;
    }

    static HashSet<string> SensitiveNames(JobDefinitionDocument job) =>
        (job.Params ?? []).Where(p => p.Sensitive && p.Name is not null).Select(p => p.Name!).ToHashSet(StringComparer.Ordinal);
}
