namespace MFlow.Execution.Tests;

public sealed class When_reading_task_outputs
{
    public static TheoryData<string, Dictionary<string, string>> Files => new()
    {
        { "IMAGE=app:1\0DIGEST=sha256:ab\0", new() { ["IMAGE"] = "app:1", ["DIGEST"] = "sha256:ab" } },
        { "NOTES=line one\nline two\nIMAGE=forged\0", new() { ["NOTES"] = "line one\nline two\nIMAGE=forged" } },
        { "EMPTY=\0", new() { ["EMPTY"] = "" } },
        { "A=1\0A=2\0", new() { ["A"] = "2" } },
        { "A=1\0\n", new() { ["A"] = "1" } },
        { "A=1\0B=never ended", new() { ["A"] = "1" } },
        { "IMAGE=app:1\nDIGEST=sha256:ab\n", new() },
        { "1BAD=x\0=x\0no separator\0GOOD=y\0", new() { ["GOOD"] = "y" } },
        { "", new() },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Should_read_nul_ended_name_value_records_only(string text, Dictionary<string, string> expected)
    {
        Assert.Equal(expected, TaskOutputs.Parse(text));
    }

    [Fact]
    public void Should_report_what_it_ignored()
    {
        var reported = new List<string>();

        TaskOutputs.Parse("9X=1\0tail", reported.Add);

        Assert.Equal(
            [
                "outputs: ignored text without a NUL at its end (write each output as printf 'NAME=%s\\0' \"$value\"): tail",
                "outputs: ignored a record that is not NAME=value with a NAME of letters, digits and '_': 9X=1",
            ],
            reported);
    }
}
