using System.Text;
using k8s;
using k8s.Models;
using MFlow.Execution.Kubernetes;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;
using MFlow.ServiceDefaults;

namespace MFlow.Standalone.Commands;

/// <summary>
/// <c>render</c>: writes, for every task of a pipeline, the exact objects the Kubernetes executor
/// would create (Job, Secret, ConfigMap), one YAML file each, secret values redacted. No cluster,
/// broker or database: what an operator reviews before the first real run.
/// </summary>
public static class RenderCommand
{
    /// <summary>Renders <paramref name="file"/> into <paramref name="outputDirectory"/>.</summary>
    public static async Task<int> ExecuteAsync(FileInfo file, DirectoryInfo outputDirectory, string @namespace, string[] paramArgs, DirectoryInfo? jobsDirectory, TextWriter output, CancellationToken cancellationToken)
    {
        RunRequest request;
        RunPlan plan;
        // A run id derived from the file's name, so rendering twice gives the same manifests.
        var runId = DeterministicGuid.Create(DeterministicGuid.RunNamespace, "render:" + file.Name);
        try
        {
            if (!file.Exists)
                throw PipelineValidationException.For("pipeline", $"There is no file {file.FullName}.");
            var text = await File.ReadAllTextAsync(file.FullName, cancellationToken);
            var pipeline = PipelineDocumentParser.ParsePipeline(text, "pipeline");
            request = new RunRequest { Pipeline = pipeline, Params = RunCommand.ParseParams(paramArgs) };
            PipelineValidator.Validate(pipeline);
            PipelineValidator.ValidateRunParams(request.Params);
            // Stored jobs are read from files (the built-in ones, and --jobs), as if published;
            // registered clusters are unknown offline, so any cluster id is taken as registered.
            var jobs = JobFiles.Resolve(pipeline, JobFiles.Read([JobFiles.BuiltinDirectory, .. jobsDirectory is null ? Array.Empty<string>() : [jobsDirectory.FullName]]));
            var clusters = pipeline.Stages!.SelectMany(st => st!.Tasks!).SelectMany(t => (t!.Params ?? []).Where(p => p.Key == "CLUSTER").Select(p => p.Value).Append(t.Cluster ?? "")).ToHashSet();
            plan = RunPlanner.Plan(runId, request, jobs, clusters, value => value);
        }
        catch (PipelineValidationException ex)
        {
            output.WriteLine($"Cannot render {file.Name}:");
            foreach (var (field, messages) in ex.Errors)
                output.WriteLine($"  {field}: {string.Join(" ", messages)}");
            return RunCommand.InvalidInput;
        }

        var options = new KubernetesExecutorOptions { Namespace = @namespace };
        var builders = EmbeddedHost.JobBuilders.ToDictionary(b => b.Kind);
        var failures = 0;
        var written = 0;
        outputDirectory.Create();
        foreach (var stage in plan.Stages)
        {
            var stageDirectory = outputDirectory.CreateSubdirectory($"{stage.Index + 1:00}-{stage.Name}");
            foreach (var task in stage.Tasks)
            {
                // Placeholders for what only a real dispatch has: they are redacted in the output anyway.
                var inputs = DispatchInputs.None with { UpdateToken = "<update-token>", ClusterKubeconfig = _ => "<registered kubeconfig>" };
                var dispatched = StageDispatcher.Command(runId, plan, stage, task, attempt: 1, DateTimeOffset.UnixEpoch, inputs);
                TaskManifests manifests;
                try
                {
                    manifests = TaskManifestFactory.Build(dispatched.Command, builders[task.Kind], task.Target.Namespace ?? @namespace, options);
                }
                catch (TaskParamException ex)
                {
                    output.WriteLine($"  {stage.Name}/{task.Name}: {ex.Message}");
                    failures++;
                    continue;
                }

                written += await WriteAsync(stageDirectory, $"{task.Name}.job.yaml", manifests.Job, cancellationToken,
                    $"Task '{task.Name}' ({task.Kind.ToString().ToLowerInvariant()}), stage '{stage.Name}': the Job the executor creates for attempt 1.");
                if (manifests.Secret is { } secret)
                {
                    written += await WriteAsync(stageDirectory, $"{task.Name}.secret.yaml", Redact(secret), cancellationToken,
                        "Created right after the Job, owned by it (ownerReferences carry the Job's uid, known only then).",
                        "Secret values are redacted here; the executor writes the real ones.");
                }

                if (manifests.ConfigMap is { } configMap)
                {
                    written += await WriteAsync(stageDirectory, $"{task.Name}.configmap.yaml", configMap, cancellationToken,
                        "Created right after the Job, owned by it (ownerReferences carry the Job's uid, known only then).");
                }

                output.WriteLine($"  {stage.Name}/{task.Name}: {manifests.Job.Metadata.Name}");
            }
        }

        output.WriteLine($"Wrote {written} manifests to {outputDirectory.FullName}{(failures > 0 ? $"; {failures} tasks could not be rendered" : "")}.");
        return failures == 0 ? 0 : RunCommand.InvalidInput;
    }

    static V1Secret Redact(V1Secret secret) => new()
    {
        ApiVersion = secret.ApiVersion,
        Kind = secret.Kind,
        Metadata = secret.Metadata,
        Type = secret.Type,
        StringData = (secret.Data ?? new Dictionary<string, byte[]>()).ToDictionary(e => e.Key, e => $"<redacted: {e.Value.Length} bytes>"),
    };

    // Written by the client's own YAML serializer, as the executor's objects are sent as its JSON.
    static async Task<int> WriteAsync(DirectoryInfo directory, string fileName, IKubernetesObject manifest, CancellationToken cancellationToken, params string[] comments)
    {
        var yaml = string.Concat(comments.Select(c => $"# {c}\n")) + KubernetesYaml.Serialize(manifest);
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, fileName), yaml, new UTF8Encoding(false), cancellationToken);
        return 1;
    }
}
