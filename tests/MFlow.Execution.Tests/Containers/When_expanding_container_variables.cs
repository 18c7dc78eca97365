using MFlow.Contracts;

namespace MFlow.Execution.Tests.Containers;

/// <summary>$(VAR) in command, args and env values, as the kubelet (and the local executor) expand it.</summary>
public sealed class When_expanding_container_variables
{
    static readonly Dictionary<string, string> Environment = new() { ["TASK"] = "t-1", ["HOME"] = "/home/mflow" };

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("$(TASK)", "t-1")]
    [InlineData("id=$(TASK)/$(HOME)", "id=t-1//home/mflow")]
    [InlineData("$(UNDEFINED)", "$(UNDEFINED)")]
    [InlineData("$$(TASK)", "$(TASK)")]
    [InlineData("cost: $5", "cost: $5")]
    [InlineData("${HOME}", "${HOME}")]
    [InlineData("$(TASK", "$(TASK")]
    [InlineData("trailing $", "trailing $")]
    public void Should_expand_defined_variables_and_unescape_double_dollars(string text, string expanded) =>
        Assert.Equal(expanded, ContainerVariables.Expand(text, Environment));

    [Theory]
    [InlineData("$(TASK)")]
    [InlineData("$$(TASK)")]
    [InlineData("${HOME} $(whoami) $")]
    [InlineData("$(_JOB_TASK_UPDATE_TOKEN)")]
    public void Should_leave_an_escaped_value_exactly_as_it_was(string value) =>
        Assert.Equal(value, ContainerVariables.Expand(ContainerVariables.Escape(value), Environment));
}
