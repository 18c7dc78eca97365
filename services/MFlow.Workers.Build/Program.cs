using MFlow.ServiceDefaults;
using MFlow.Workers.Build.Extensions;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddBuildWorker();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
