using MFlow.ContractDocs;

namespace MFlow.ContractDocs.Tests;

/// <summary>
/// Issue 12: docs/asyncapi.yaml and docs/messages.md are what the contract records generate, so a
/// record changed without regenerating them fails here, naming the command that fixes it.
/// </summary>
public sealed class When_the_contracts_are_documented
{
    static readonly string Root = ContractDocuments.FindRepositoryRoot(AppContext.BaseDirectory);
    static readonly ContractSchemas Schemas = ContractSchemas.Load();
    static readonly string Stale = $"is out of date with shared/MFlow.Contracts: run `{ContractDocuments.Command}` and commit the result.";

    [Fact]
    public void Should_match_the_regenerated_asyncapi_document()
    {
        var onDisk = File.ReadAllText(Path.Combine(Root, ContractDocuments.AsyncApiPath));
        Assert.True(onDisk == ContractDocuments.ExpectedAsyncApi(Schemas), $"{ContractDocuments.AsyncApiPath} {Stale}\n{FirstDifference(onDisk, ContractDocuments.ExpectedAsyncApi(Schemas))}");
    }

    [Fact]
    public void Should_match_the_regenerated_messages_page()
    {
        var onDisk = File.ReadAllText(Path.Combine(Root, ContractDocuments.MessagesPath));
        var expected = ContractDocuments.ExpectedMessages(Schemas, onDisk);
        Assert.True(onDisk == expected, $"{ContractDocuments.MessagesPath} {Stale}\n{FirstDifference(onDisk, expected)}");
    }

    [Fact]
    public void Should_catalog_every_message_of_the_contracts()
    {
        var cataloged = MessageCatalog.All.Select(m => m.Type.Name).Order(StringComparer.Ordinal);
        var inContracts = MessageCatalog.MessageTypesInContracts().Select(t => t.Name);
        Assert.True(cataloged.SequenceEqual(inContracts),
            $"tools/MFlow.ContractDocs/MessageCatalog.cs lists [{string.Join(", ", cataloged)}] but the contracts' messages are [{string.Join(", ", inContracts)}]: "
            + $"list each new one as a command, an event or an internal message, then run `{ContractDocuments.Command}`.");
    }

    [Fact]
    public void Should_describe_every_field_of_a_public_message()
    {
        foreach (var message in MessageCatalog.All.Where(m => m.Role != MessageRole.Internal))
        {
            Assert.NotEqual("", Schemas.Summary(message.Type));
            foreach (var property in message.Type.GetProperties())
                Assert.True(Schemas.Summary(property) != "", $"{message.Type.Name}.{property.Name} has no doc comment, so its field has no description");
        }
    }

    [Fact]
    public void Should_give_each_command_a_plain_json_queue_and_its_consumer()
    {
        foreach (var command in MessageCatalog.All.Where(m => m.Role == MessageRole.Command))
        {
            Assert.False(string.IsNullOrEmpty(command.PlainQueue), $"{command.Type.Name} has no plain JSON queue");
            Assert.False(string.IsNullOrEmpty(command.ConsumedBy), $"{command.Type.Name} names no consuming queue");
        }
    }

    // Where the two texts part, with a little context, so a failure shows what changed.
    static string FirstDifference(string actual, string expected)
    {
        var at = 0;
        while (at < actual.Length && at < expected.Length && actual[at] == expected[at])
            at++;
        var start = Math.Max(0, at - 80);
        string Around(string text) => text.Length <= start ? "(end)" : text.Substring(start, Math.Min(240, text.Length - start));
        return $"first difference at character {at}:\n--- on disk ---\n{Around(actual)}\n--- generated ---\n{Around(expected)}";
    }
}
