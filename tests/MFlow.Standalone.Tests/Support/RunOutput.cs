using System.Text.RegularExpressions;

namespace MFlow.Standalone.Tests.Support;

/// <summary>What <c>mflow run</c> printed, read the way a user reads it: progress lines and the summary table.</summary>
public sealed partial class RunOutput(string text)
{
    public string Text { get; } = text;

    public IReadOnlyList<string> Lines { get; } = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

    /// <summary>Progress lines without their elapsed-time prefix ("[   0.4s] ").</summary>
    public IReadOnlyList<string> Progress => Lines.Where(l => ElapsedPrefix().IsMatch(l)).Select(l => ElapsedPrefix().Replace(l, "")).ToList();

    /// <summary>Task transitions as printed: "compile ● build running".</summary>
    public IReadOnlyList<string> Transitions => Progress.Where(l => l.Contains(" ● ", StringComparison.Ordinal))
        .Select(l => WhiteSpace().Replace(l.Trim(), " ")).ToList();

    /// <summary>The summary table's rows by task name; a row wrapped over several lines is joined.</summary>
    public IReadOnlyDictionary<string, SummaryRow> Summary
    {
        get
        {
            var rows = new Dictionary<string, SummaryRow>();
            SummaryRow? current = null;
            foreach (var line in Lines.Where(l => l.StartsWith('│')))
            {
                var cells = line.Trim('│').Split('│').Select(c => c.Trim()).ToArray();
                if (cells[0] == "Stage")
                    continue;
                if (cells[1].Length > 0)
                {
                    current = new SummaryRow(cells[0], cells[1], cells[2], cells[3], cells[4], cells[6]);
                    rows[current.Task] = current;
                }
                else if (current is not null && cells[6].Length > 0)
                {
                    current = current with { Detail = $"{current.Detail} {cells[6]}" };
                    rows[current.Task] = current;
                }
            }

            return rows;
        }
    }

    public override string ToString() => Text;

    [GeneratedRegex(@"^\[\s*\d+\.\ds\] ")]
    private static partial Regex ElapsedPrefix();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}

public sealed record SummaryRow(string Stage, string Task, string Kind, string State, string Exit, string Detail);
