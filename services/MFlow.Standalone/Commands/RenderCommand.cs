using System.Text;
using MFlow.Execution.Kubernetes;
using MFlow.Kubernetes.Models;
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
    public static async Task<int> ExecuteAsync(FileInfo file, DirectoryInfo outputDirectory, string @namespace, string[] paramArgs, TextWriter output, CancellationToken cancellationToken)
    {
        RunRequest request;
        try
        {
            if (!file.Exists)
                throw PipelineValidationException.For("pipeline", $"There is no file {file.FullName}.");
            var text = await File.ReadAllTextAsync(file.FullName, cancellationToken);
            var pipeline = PipelineDocumentParser.ParsePipeline(text, "pipeline");
            request = new RunRequest { Pipeline = pipeline, Params = RunCommand.ParseParams(paramArgs) };
            PipelineValidator.Validate(pipeline);
            PipelineValidator.ValidateRunParams(request.Params);
        }
        catch (PipelineValidationException ex)
        {
            output.WriteLine($"Cannot render {file.Name}:");
            foreach (var (field, messages) in ex.Errors)
                output.WriteLine($"  {field}: {string.Join(" ", messages)}");
            return RunCommand.InvalidInput;
        }

        // A run id derived from the file's name, so rendering twice gives the same manifests.
        var runId = DeterministicGuid.Create(DeterministicGuid.RunNamespace, "render:" + file.Name);
        var plan = RunPlanner.Plan(runId, request);
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
                var command = StageDispatcher.Command(runId, plan, stage, task, attempt: 1, DateTimeOffset.UnixEpoch);
                TaskManifests manifests;
                try
                {
                    manifests = TaskManifestFactory.Build(command, builders[task.Kind], task.Target.Namespace ?? @namespace, options);
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

    static Secret Redact(Secret secret) => new()
    {
        Metadata = secret.Metadata,
        Type = secret.Type,
        StringData = (secret.Data ?? []).ToDictionary(e => e.Key, e => $"<redacted: {e.Value.Length} bytes>"),
    };

    static async Task<int> WriteAsync(DirectoryInfo directory, string fileName, KubernetesObject manifest, CancellationToken cancellationToken, params string[] comments)
    {
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, fileName), ManifestYaml.Write(manifest, comments), new UTF8Encoding(false), cancellationToken);
        return 1;
    }
}
