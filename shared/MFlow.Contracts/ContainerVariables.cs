using System.Text;

namespace MFlow.Contracts;

/// <summary>
/// Kubernetes expands <c>$(VAR)</c> in a container's command, args and env values from its
/// environment, and reads <c>$$</c> as a literal <c>$</c>. Everything MFlow puts in those fields from
/// a param is escaped first, so a value like <c>$(_JOB_TASK_UPDATE_TOKEN)</c> stays that text instead
/// of becoming the token; the local executor expands the same way, so both executors agree.
/// </summary>
public static class ContainerVariables
{
    /// <summary>Makes text literal under expansion: every '$' becomes "$$".</summary>
    public static string Escape(string text) => text.Replace("$", "$$", StringComparison.Ordinal);

    /// <summary>
    /// Expands text as the kubelet does: "$$" is "$", "$(NAME)" is NAME's value when it is defined,
    /// and stays as written when it is not.
    /// </summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> environment)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
            return text;
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '$' || i + 1 >= text.Length)
            {
                result.Append(text[i]);
                continue;
            }

            var next = text[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
            }
            else if (next == '(' && text.IndexOf(')', i + 2) is var close and > 0)
            {
                var name = text[(i + 2)..close];
                if (environment.TryGetValue(name, out var value))
                    result.Append(value);
                else
                    result.Append(text, i, close - i + 1);
                i = close;
            }
            else
            {
                result.Append('$');
            }
        }

        return result.ToString();
    }
}
