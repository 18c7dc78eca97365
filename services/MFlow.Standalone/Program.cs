using MFlow.Standalone.Commands;

return await StandaloneCli.Build().Parse(args).InvokeAsync();
