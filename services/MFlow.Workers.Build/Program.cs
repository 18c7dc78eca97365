using MFlow.Execution;
using MFlow.ServiceDefaults;
using MFlow.Workers.Build.Jobs;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddWorker(new KanikoJobBuilder());

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
