using System.Text.RegularExpressions;
using MFlow.Scheduler.Params;
using YamlDotNet.Serialization;

namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// One condition of a task's or stage's <c>when</c>, as Tekton writes it:
/// <c>{ input: "$(params.ENV)", operator: in, values: [prod, staging] }</c>, or the short form
/// <c>{ input: "$(params.ENV)", equals: prod }</c> (the same as <c>operator: in</c> with one value).
/// </summary>
public sealed class WhenDocument
{
    /// <summary>The text compared: usually one <c>$(params.NAME)</c> or <c>$(tasks.T.outputs.NAME)</c>, or text around them.</summary>
    public string? Input { get; set; }

    /// <summary><c>in</c> or <c>notin</c>.</summary>
    public string? Operator { get; set; }

    /// <summary>What the input is compared with (references allowed, as in the input).</summary>
    public List<string>? Values { get; set; }

    /// <summary>The short form of <c>operator: in</c> with one value.</summary>
    [YamlMember(Alias = "equals")]
    [System.Text.Json.Serialization.JsonPropertyName("equals")] // stored pipelines are kept as JSON and shown as written
    public string? EqualTo { get; set; }
}

/// <summary>A <c>when</c> condition in a run's plan: params already filled in, earlier outputs still referenced (resolved at dispatch).</summary>
public sealed record PlanCondition
{
    /// <summary>The input.</summary>
    public string Input { get; init; } = "";

    /// <summary>True for <c>notin</c>.</summary>
    public bool NotIn { get; init; }

    /// <summary>The values.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>The condition as written (before params were filled in), for the message of a task it skips: values never show.</summary>
    public string Written { get; init; } = "";
}

/// <summary>
/// Checks, plans and evaluates <c>when</c> conditions. There is no expression language: a condition
/// is a set-membership test over texts in which <c>$(params.NAME)</c> and
/// <c>$(tasks.T.outputs.NAME)</c> are replaced by their values (never evaluated), and every
/// condition of a list must hold.
/// </summary>
public static partial class WhenExpressions
{
    /// <summary>Most conditions one <c>when</c> may list.</summary>
    public const int MaxConditions = 20;

    /// <summary>Most values one condition may list.</summary>
    public const int MaxValues = 100;

    /// <summary>Longest input or value, in characters.</summary>
    public const int MaxTextLength = 4096;

    /// <summary>Checks the conditions at <paramref name="path"/>; output references must name tasks in <paramref name="earlierTasks"/>.</summary>
    public static void Check(ValidationErrors errors, string path, IReadOnlyList<WhenDocument?>? when, IReadOnlySet<string> earlierTasks)
    {
        if (when is null)
            return;
        if (when.Count > MaxConditions)
        {
            errors.Add(path, $"A 'when' lists at most {MaxConditions} conditions.");
            return;
        }

        for (var i = 0; i < when.Count; i++)
        {
            var at = $"{path}[{i}]";
            if (when[i] is not { } condition)
            {
                errors.Add(at, "A condition cannot be empty: write { input: ..., operator: in|notin, values: [...] } or { input: ..., equals: ... }.");
                continue;
            }

            if (string.IsNullOrEmpty(condition.Input))
                errors.Add($"{at}.input", "A condition needs an input, e.g. \"$(params.ENV)\".");
            if (condition.EqualTo is not null)
            {
                if (condition.Operator is not null || condition.Values is not null)
                    errors.Add($"{at}.equals", "'equals' is the short form of 'operator: in' with one value: give either 'equals' or 'operator' and 'values'.");
            }
            else
            {
                if (condition.Operator is not ("in" or "notin"))
                    errors.Add($"{at}.operator", condition.Operator is null
                        ? "A condition needs an operator: in or notin (or use 'equals')."
                        : $"Unknown operator '{TextRules.Shown(condition.Operator)}': expected in or notin.");
                if (condition.Values is null || condition.Values.Count == 0)
                    errors.Add($"{at}.values", "A condition needs at least one value.");
                else if (condition.Values.Count > MaxValues)
                    errors.Add($"{at}.values", $"A condition lists at most {MaxValues} values.");
            }

            var texts = new List<(string Field, string? Text)> { ($"{at}.input", condition.Input), ($"{at}.equals", condition.EqualTo) };
            texts.AddRange((condition.Values ?? []).Select((v, j) => ($"{at}.values[{j}]", (string?)v)));
            foreach (var (field, text) in texts)
            {
                if (text is null)
                {
                    if (field.Contains("values[", StringComparison.Ordinal))
                        errors.Add(field, "A value cannot be empty (null); use \"\".");
                    continue;
                }

                if (TextRules.CheckLine(text, MaxTextLength) is { } problem)
                    errors.Add(field, $"The text {problem}");
                foreach (var reference in OutputReferences.In([text]))
                {
                    if (!earlierTasks.Contains(reference.Task))
                        errors.Add(field, $"'{reference.Text}' refers to task '{reference.Task}', which is not in an earlier stage.");
                }
            }
        }
    }

    /// <summary>
    /// The conditions with <c>$(params.NAME)</c> filled in from <paramref name="values"/>. A param that
    /// is not given is an error naming the field: a condition must never test a reference's text.
    /// </summary>
    public static IReadOnlyList<PlanCondition> Plan(
        ValidationErrors errors, string path, IReadOnlyList<WhenDocument?>? when, IReadOnlyDictionary<string, string> values, IReadOnlySet<string>? sensitive = null)
    {
        var planned = new List<PlanCondition>();
        for (var i = 0; i < (when?.Count ?? 0); i++)
        {
            var condition = when![i]!;
            string Fill(string text, string field) => ParamPattern().Replace(text, match =>
            {
                var name = match.Groups["name"].Value;
                if (sensitive?.Contains(name) == true)
                {
                    errors.Add(field, $"'{match.Value}' is a sensitive param: a condition cannot test it (its value would be kept in the run's plan).");
                    return match.Value;
                }

                if (values.TryGetValue(name, out var value))
                    return value;
                errors.Add(field, $"'{match.Value}' names a param this run does not give: set it in the pipeline's, the stage's, the task's or the run's params.");
                return match.Value;
            });

            var input = Fill(condition.Input!, $"{path}[{i}].input");
            var written = condition.EqualTo is { } equalTo
                ? $"{condition.Input} equals {equalTo}"
                : $"{condition.Input} {condition.Operator} [{string.Join(", ", condition.Values!)}]";
            planned.Add(condition.EqualTo is { } equal
                ? new PlanCondition { Input = input, Values = [Fill(equal, $"{path}[{i}].equals")], Written = Shown(written) }
                : new PlanCondition
                {
                    Input = input,
                    NotIn = condition.Operator == "notin",
                    Values = condition.Values!.Select((v, j) => Fill(v, $"{path}[{i}].values[{j}]")).ToList(),
                    Written = Shown(written),
                });
        }

        return planned;
    }

    /// <summary>
    /// Evaluates planned conditions against earlier tasks' outputs. Null when they all hold; else
    /// what a person reads about the first that does not. <paramref name="missing"/> is the first
    /// output reference without a value, when there is one (the conditions are then not evaluated).
    /// </summary>
    public static string? Unmet(IReadOnlyList<PlanCondition> conditions, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> outputs, out string? missing)
    {
        missing = null;
        foreach (var condition in conditions)
        {
            var input = OutputReferences.Resolve(condition.Input, outputs, out var notFound);
            var values = new List<string>();
            foreach (var value in condition.Values)
            {
                values.Add(OutputReferences.Resolve(value, outputs, out var valueNotFound));
                notFound ??= valueNotFound;
            }

            if (notFound is not null)
            {
                missing = notFound;
                return null;
            }

            var member = values.Contains(input, StringComparer.Ordinal);
            if (member == condition.NotIn)
                return $"the condition '{condition.Written}' does not hold";
        }

        return null;
    }

    static string Shown(string text) => text.Length <= 200 ? text : text[..200] + "...";

    /// <summary>The names of the tasks whose outputs the conditions use.</summary>
    public static IEnumerable<string> OutputTasks(IEnumerable<PlanCondition> conditions) =>
        OutputReferences.In(conditions.SelectMany(c => c.Values.Prepend(c.Input))).Select(r => r.Task);

    [GeneratedRegex(@"\$\(params\.(?<name>[A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex ParamPattern();
}
