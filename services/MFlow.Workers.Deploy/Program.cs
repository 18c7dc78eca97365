using MFlow.Execution;
using MFlow.ServiceDefaults;
using MFlow.Workers.Deploy.Jobs;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddWorker(new KubectlJobBuilder());

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
