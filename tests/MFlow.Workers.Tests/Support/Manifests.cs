using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Workers.Build.Jobs;
using MFlow.Workers.Deploy.Jobs;
using MFlow.Workers.Vm.Jobs;

namespace MFlow.Workers.Tests.Support;

/// <summary>What the Kubernetes executor would create for a command, and ways to look at it.</summary>
public static class Manifests
{
    public const string Namespace = "mflow-tasks";

    public static readonly KubernetesExecutorOptions Options = new() { Namespace = Namespace };

    public static IJobBuilder BuilderFor(JobKind kind) => kind switch
    {
        JobKind.Build => new KanikoJobBuilder(),
        JobKind.Deploy => new KubectlJobBuilder(),
        JobKind.Vm => new AnsibleJobBuilder(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static TaskManifests For(RunTaskCommand command) =>
        TaskManifestFactory.Build(command, BuilderFor(command.Kind), Namespace, Options);

    public static V1Job JobFor(RunTaskCommand command) => For(command).Job;

    public static V1PodSpec Pod(this V1Job job) => job.Spec.Template.Spec;

    public static V1Container MainContainer(this V1Job job) => job.Pod().Containers.Single();

    /// <summary>Init containers first, in order, then the main one.</summary>
    public static IReadOnlyList<V1Container> AllContainers(this V1Job job) => [.. job.Pod().InitContainers ?? [], .. job.Pod().Containers];

    public static V1Container Container(this V1Job job, string name) =>
        job.AllContainers().SingleOrDefault(c => c.Name == name)
        ?? throw new InvalidOperationException($"No container '{name}' in {string.Join(", ", job.AllContainers().Select(c => c.Name))}.");

    public static V1Volume Volume(this V1Job job, string name) =>
        job.Pod().Volumes?.SingleOrDefault(v => v.Name == name)
        ?? throw new InvalidOperationException($"No volume '{name}' in {string.Join(", ", job.Pod().Volumes?.Select(v => v.Name) ?? [])}.");

    /// <summary>A literal env value of a container as the process receives it (null when absent or set by reference).</summary>
    public static string? Env(this V1Container container, string name) =>
        container.Env?.SingleOrDefault(e => e.Name == name)?.Value is { } value ? Received(value) : null;

    /// <summary>The command line as the kubelet runs it: command then args, each element one argv entry, after $(VAR) expansion.</summary>
    public static IReadOnlyList<string> Argv(this V1Container container) => [.. (container.Command ?? []).Select(Received), .. (container.Args ?? []).Select(Received)];

    /// <summary>
    /// A command, args or env value as the process receives it: after the kubelet's $(VAR)
    /// expansion, with every variable name defined, so an unescaped $(NAME) would show as expanded.
    /// </summary>
    public static string Received(string manifestValue) => ContainerVariables.Expand(manifestValue, AnyVariable.Instance);

    sealed class AnyVariable : IReadOnlyDictionary<string, string>
    {
        public static readonly AnyVariable Instance = new();

        public string this[string key] => $"<expanded {key}>";

        public IEnumerable<string> Keys => [];

        public IEnumerable<string> Values => [];

        public int Count => 0;

        public bool ContainsKey(string key) => true;

        public bool TryGetValue(string key, out string value)
        {
            value = this[key];
            return true;
        }

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Enumerable.Empty<KeyValuePair<string, string>>().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The Job exactly as the executor sends it to the API server (the official client's JSON).</summary>
    public static JsonObject ToJson(this V1Job job) => JsonNode.Parse(job.ToJsonText())!.AsObject();

    public static string ToJsonText(this V1Job job) => KubernetesJson.Serialize(job);

    /// <summary>Every property name anywhere in the tree, with its path ("spec.template.spec.containers[0].env[3].value").</summary>
    public static IReadOnlyList<string> Paths(JsonNode? node, string prefix = "")
    {
        var paths = new List<string>();
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
                    paths.Add(path);
                    paths.AddRange(Paths(value, path));
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    paths.AddRange(Paths(array[i], $"{prefix}[{i}]"));
                break;
        }

        return paths;
    }

    /// <summary>Every property name anywhere in the tree.</summary>
    public static IReadOnlySet<string> Keys(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Keys(p.Value).Append(p.Key)).ToHashSet(),
        JsonArray array => array.SelectMany(Keys).ToHashSet(),
        _ => new HashSet<string>(),
    };
}
