namespace MFlow.Cli;

/// <summary>A usage error or a refusal the user can act on: printed as it is, exit code 2.</summary>
public class CliException(string message) : Exception(message);
