using MFlow.Execution;
using MFlow.ServiceDefaults;
using MFlow.Workers.Vm.Jobs;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddWorker(new AnsibleJobBuilder());

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
