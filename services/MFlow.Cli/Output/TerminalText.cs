using System.Buffers;
using System.Text;

namespace MFlow.Cli.Output;

/// <summary>
/// Text the server supplies (task logs, names, reasons, problem details) made harmless for a terminal.
/// A task's output is the task author's, not the operator's: printed as it is, an escape sequence in it
/// would set the terminal's title, plant an OSC 8 link, move the cursor to rewrite earlier lines, or
/// worse on some terminals. Control characters other than tab and newline are therefore shown, never
/// sent: C0 and DEL in caret notation, as <c>cat -v</c> shows them (ESC as <c>^[</c>, BEL as
/// <c>^G</c>, DEL as <c>^?</c>), and a C1 control as its 7-bit equivalent (U+009B, CSI, as <c>^[[</c>).
/// A carriage return right before a newline is a line ending and is dropped.
/// </summary>
public static class TerminalText
{
    static readonly SearchValues<char> Shown = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Where(c => c is not ('\t' or '\n')).Select(c => (char)c)]);

    static TextWriter? _rawOut;

    /// <summary>
    /// Standard output as the process got it, for what must stay byte for byte what it is: JSON and
    /// YAML documents (both escape control characters themselves), <c>mflow run logs --raw</c>, and
    /// Spectre.Console's own colours and cursor moves.
    /// </summary>
    public static TextWriter RawOut => _rawOut ?? Console.Out;

    /// <summary>
    /// From here on, whatever is written to <see cref="Console.Out"/> and <see cref="Console.Error"/>
    /// passes through <see cref="TerminalTextWriter"/>: a line printed anywhere in the tool is safe
    /// without each command having to remember it.
    /// </summary>
    public static void Protect()
    {
        if (_rawOut is not null)
            return;
        _rawOut = Console.Out;
        Console.SetOut(new TerminalTextWriter(Console.Out));
        Console.SetError(new TerminalTextWriter(Console.Error));
    }

    /// <summary><paramref name="text"/> with its control characters shown (for a table cell or the live tree).</summary>
    public static string Clean(string text)
    {
        if (text.AsSpan().IndexOfAny(Shown) < 0)
            return text;
        var output = new StringBuilder(text.Length + 16);
        var carriageReturn = Append(text, output, false);
        if (carriageReturn)
            output.Append("^M");
        return output.ToString();
    }

    /// <summary>
    /// Appends <paramref name="text"/> to <paramref name="output"/> with its control characters shown;
    /// returns whether it ended in a carriage return, held back until the next character says whether
    /// it ended a line (<paramref name="carriageReturn"/> is the one held from the text before).
    /// </summary>
    internal static bool Append(ReadOnlySpan<char> text, StringBuilder output, bool carriageReturn)
    {
        while (!text.IsEmpty)
        {
            if (carriageReturn && text[0] != '\n')
                output.Append("^M");
            carriageReturn = false;
            var next = text.IndexOfAny(Shown);
            if (next < 0)
            {
                output.Append(text);
                break;
            }

            output.Append(text[..next]);
            var control = text[next];
            text = text[(next + 1)..];
            if (control == '\r')
                carriageReturn = true;
            else if (control < 0x20)
                output.Append('^').Append((char)(control + 0x40));
            else if (control == 0x7F)
                output.Append("^?");
            else
                output.Append("^[").Append((char)(control - 0x40));
        }

        return carriageReturn;
    }
}
