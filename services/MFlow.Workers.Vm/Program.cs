using MFlow.ServiceDefaults;
using MFlow.Workers.Vm.Extensions;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddVmWorker();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
