using System.Text;

namespace MFlow.Cli.Output;

/// <summary>
/// A writer that passes text on with its control characters shown (<see cref="TerminalText"/>); a
/// carriage return at the end of one write waits for the next, which may bring its newline.
/// </summary>
public sealed class TerminalTextWriter(TextWriter inner) : TextWriter(inner.FormatProvider)
{
    readonly StringBuilder _buffer = new();
    bool _carriageReturn;

    /// <inheritdoc />
    public override Encoding Encoding => inner.Encoding;

    /// <inheritdoc />
    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    /// <inheritdoc />
    public override void Write(string? value) => Write(value.AsSpan());

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<char> buffer)
    {
        _buffer.Clear();
        _carriageReturn = TerminalText.Append(buffer, _buffer, _carriageReturn);
        foreach (var chunk in _buffer.GetChunks())
            inner.Write(chunk.Span);
    }

    /// <inheritdoc />
    public override void Flush() => inner.Flush();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // The standard streams are the process's, not this writer's: only what is held back is written.
        if (disposing && _carriageReturn)
        {
            inner.Write("^M");
            _carriageReturn = false;
            inner.Flush();
        }

        base.Dispose(disposing);
    }
}
