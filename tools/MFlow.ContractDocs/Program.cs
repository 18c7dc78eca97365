using MFlow.ContractDocs;

// Regenerates docs/asyncapi.yaml and the generated part of docs/messages.md from the contracts:
//   dotnet run --project tools/MFlow.ContractDocs            (from anywhere in the repository)
var root = ContractDocuments.FindRepositoryRoot(Directory.GetCurrentDirectory());
var changed = ContractDocuments.Write(root);
Console.WriteLine(changed.Count == 0
    ? "docs/asyncapi.yaml and docs/messages.md are up to date."
    : $"Rewrote {string.Join(" and ", changed)}.");
