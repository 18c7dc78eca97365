using System.CommandLine;

namespace MFlow.Standalone.Commands;

/// <summary>The embedded default's command line.</summary>
public static class StandaloneCli
{
    /// <summary>Builds the root command.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("MFlow on one machine: every service in one process, no broker, database or cluster to install.");

        var pipelineArgument = new Argument<FileInfo>("pipeline") { Description = "The pipeline document (YAML or JSON)." };
        var paramOption = new Option<string[]>("--param", "-p") { Description = "A run-time param, NAME=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var quietOption = new Option<bool>("--quiet", "-q") { Description = "Print task transitions only, not their output." };
        var databaseOption = new Option<FileInfo?>("--database") { Description = "Keep run state in this SQLite file (default: a temporary file)." };
        var approveOption = new Option<bool>("--approve") { Description = "Approve every approval gate the run reaches (without it, a gate's timeout decides)." };
        var run = new Command("run", "Run a pipeline, print its progress and a summary; exit 0 only if it succeeded.")
        {
            pipelineArgument, paramOption, quietOption, databaseOption, approveOption,
        };
        run.SetAction((result, cancellationToken) => RunCommand.ExecuteAsync(
            result.GetValue(pipelineArgument)!,
            result.GetValue(paramOption) ?? [],
            result.GetValue(quietOption),
            result.GetValue(databaseOption),
            System.Console.Out,
            cancellationToken,
            result.GetValue(approveOption)));
        root.Subcommands.Add(run);

        var urlsOption = new Option<string>("--urls") { Description = "Where to serve the HTTP API.", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var serveDatabaseOption = new Option<FileInfo>("--database") { Description = "The SQLite file for run state.", DefaultValueFactory = _ => new FileInfo(".mflow/mflow.db") };
        var serve = new Command("serve", "Serve the HTTP API (POST /api/v1/runs, GET /api/v1/runs/{id}) with every service in this process.")
        {
            urlsOption, serveDatabaseOption,
        };
        serve.SetAction((result, cancellationToken) => ServeCommand.ExecuteAsync(result.GetValue(urlsOption)!, result.GetValue(serveDatabaseOption)!, cancellationToken));
        root.Subcommands.Add(serve);

        var renderPipeline = new Argument<FileInfo>("pipeline") { Description = "The pipeline document (YAML or JSON)." };
        var outOption = new Option<DirectoryInfo>("--out", "-o") { Description = "Where to write the manifests.", Required = true };
        var namespaceOption = new Option<string>("--namespace", "-n") { Description = "The namespace of tasks that name none.", DefaultValueFactory = _ => "mflow-tasks" };
        var renderParams = new Option<string[]>("--param", "-p") { Description = "A run-time param, NAME=value (repeatable)." };
        var jobsOption = new Option<DirectoryInfo?>("--jobs") { Description = "A directory of job definitions (YAML) the pipeline's 'job:' references may name, besides the built-in jobs." };
        var render = new Command("render", "Write the exact manifests the Kubernetes executor would create for every task, one YAML file per object, secret values redacted.")
        {
            renderPipeline, outOption, namespaceOption, renderParams, jobsOption,
        };
        render.SetAction((result, cancellationToken) => RenderCommand.ExecuteAsync(
            result.GetValue(renderPipeline)!, result.GetValue(outOption)!, result.GetValue(namespaceOption)!,
            result.GetValue(renderParams) ?? [], result.GetValue(jobsOption), System.Console.Out, cancellationToken));
        root.Subcommands.Add(render);
        return root;
    }
}
