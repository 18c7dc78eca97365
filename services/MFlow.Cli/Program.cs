using MFlow.Cli.Commands;

return await MflowCli.RunAsync(args);
