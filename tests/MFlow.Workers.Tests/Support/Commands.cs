using MFlow.Contracts;

namespace MFlow.Workers.Tests.Support;

/// <summary>
/// Run-task commands as the scheduler sends them, with each kind's usual params. An override with a
/// null value removes that param.
/// </summary>
public static class Commands
{
    public static readonly Guid RunId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    public static readonly Guid TaskId = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");

    public const string Image = "registry.example.com/shop/app:1.4.0";

    public static RunBuildTask Build(params (string Name, string? Value)[] overrides) => new RunBuildTask
    {
        Params = With(overrides, ("GIT_URL", "git@github.com:example/shop.git"), ("IMAGE", Image)),
    }.Common("image");

    public static RunDeployTask Deploy(params (string Name, string? Value)[] overrides) => new RunDeployTask
    {
        Params = With(overrides, ("WORKLOAD_NAME", "shop"), ("IMAGE", Image)),
    }.Common("staging");

    public static RunVmTask Vm(params (string Name, string? Value)[] overrides) => new RunVmTask
    {
        Params = With(
            overrides,
            ("PLAYBOOK", "- hosts: app\n  tasks:\n    - ansible.builtin.debug: {msg: hi}\n"),
            ("INVENTORY", "[app]\nvm-1.example.com\n"),
            ("HOST_KEY_CHECKING", "false")),
    }.Common("legacy-hosts");

    /// <summary>A task of any kind that gives its own container.</summary>
    public static T Custom<T>(T command, params string[] argv)
        where T : RunTaskCommand =>
        command with
        {
            Params = new Dictionary<string, string>(),
            Container = new ContainerSpec { Image = "alpine:3.20", Command = argv.Length > 0 ? argv : ["echo", "hello"] },
        };

    /// <summary>One command of each kind, plus a build task with its own container.</summary>
    public static IReadOnlyList<RunTaskCommand> OfEveryKind() => [Build(), Deploy(), Vm(), Custom(Build())];

    /// <summary>The same, as xunit theory data (the kind's name first, for readable test names).</summary>
    public static TheoryData<string> KindNames() => new() { "build", "deploy", "vm", "custom" };

    /// <summary>A command by the name <see cref="KindNames"/> uses.</summary>
    public static RunTaskCommand ByName(string kind) => kind switch
    {
        "build" => Build(),
        "deploy" => Deploy(),
        "vm" => Vm(),
        "custom" => Custom(Build()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>A command of <paramref name="kind"/> with extra params.</summary>
    public static RunTaskCommand ByName(string kind, params (string Name, string? Value)[] overrides) => kind switch
    {
        "build" => Build(overrides),
        "deploy" => Deploy(overrides),
        "vm" => Vm(overrides),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    static T Common<T>(this T command, string taskName)
        where T : RunTaskCommand =>
        command with
        {
            RunId = RunId,
            TaskId = TaskId,
            TaskName = taskName,
            StageIndex = 0,
            Attempt = 1,
            JobName = command.Kind.ToString().ToLowerInvariant(),
            BackoffLimit = 2,
            TimeoutSeconds = 1800,
            DispatchedAt = DateTimeOffset.UnixEpoch,
        };

    static Dictionary<string, string> With((string Name, string? Value)[] overrides, params (string Name, string Value)[] defaults)
    {
        var values = defaults.ToDictionary(d => d.Name, d => d.Value, StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            if (value is null)
                values.Remove(name);
            else
                values[name] = value;
        }

        return values;
    }
}
