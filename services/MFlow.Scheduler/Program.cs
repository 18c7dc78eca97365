using MFlow.Scheduler.Extensions;
using MFlow.ServiceDefaults;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddScheduler();

var app = builder.Build();
app.UseExceptionHandler();
app.MapDefaultEndpoints();
app.MapSchedulerApi();
app.Run();

/// <summary>Visible to WebApplicationFactory in tests.</summary>
public partial class Program;
