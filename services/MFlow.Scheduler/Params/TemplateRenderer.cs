using System.Text.RegularExpressions;
using MFlow.Contracts;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Params;

/// <summary>
/// Fills a job's template with param values. The template is parsed first; then each string field
/// (image, each command and args element, each env value, the working directory) has its
/// <c>$(params.NAME)</c> replaced by the value, as text. A value is never parsed as YAML or JSON, so
/// nothing in it (quotes, newlines, "hostNetwork: true", anchors, {{ }}) can change the manifest's
/// structure: at most the content of the one string it lands in.
/// </summary>
public static partial class TemplateRenderer
{
    /// <summary>Every param the template refers to.</summary>
    public static IEnumerable<string> ReferencedParams(JobTemplate template) =>
        Containers(template).SelectMany(Strings).SelectMany(s => Pattern().Matches(s).Select(m => m.Groups["name"].Value));

    /// <summary>The template's containers with the values filled in.</summary>
    public static (ContainerSpec Main, IReadOnlyList<ContainerSpec> Init) Render(JobTemplate template, IReadOnlyDictionary<string, string> values)
    {
        var main = Render(template.Container!, values, "main");
        var init = (template.InitContainers ?? []).Select((c, i) => Render(c, values, $"init-{i + 1}")).ToList();
        return (main, init);
    }

    /// <summary>
    /// Replaces $(params.NAME) in one string. The value is escaped for container variable expansion
    /// (<see cref="ContainerVariables"/>): a value that reads "$(SOME_VARIABLE)" stays that text.
    /// </summary>
    public static string Fill(string text, IReadOnlyDictionary<string, string> values) =>
        Pattern().Replace(text, match => values.TryGetValue(match.Groups["name"].Value, out var value) ? ContainerVariables.Escape(value) : "");

    static ContainerSpec Render(ContainerDocument container, IReadOnlyDictionary<string, string> values, string defaultName) => new()
    {
        Name = container.Name ?? defaultName,
        Image = Fill(container.Image ?? "", values),
        Command = (container.Command ?? []).Select(c => Fill(c, values)).ToList(),
        Args = (container.Args ?? []).Select(a => Fill(a, values)).ToList(),
        Env = (container.Env ?? []).ToDictionary(e => e.Key, e => Fill(e.Value, values)),
        WorkingDir = container.WorkingDir is null ? null : Fill(container.WorkingDir, values),
    };

    static IEnumerable<ContainerDocument> Containers(JobTemplate template) =>
        new[] { template.Container }.Concat(template.InitContainers ?? []).Where(c => c is not null)!;

    static IEnumerable<string> Strings(ContainerDocument container) =>
        new[] { container.Image, container.WorkingDir }.Concat(container.Command ?? []).Concat(container.Args ?? []).Concat((IEnumerable<string>?)container.Env?.Values ?? [])
            .Where(s => s is not null)!;

    [GeneratedRegex(@"\$\(params\.(?<name>[A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Pattern();
}
