using MFlow.Notifier.Extensions;
using MFlow.ServiceDefaults;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddNotifier();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
