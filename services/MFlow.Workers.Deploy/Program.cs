using MFlow.ServiceDefaults;
using MFlow.Workers.Deploy.Extensions;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddDeployWorker();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
