using Verity.Server.AdminCenter;
using Verity.Server.Auth;
using Verity.Server.Graph;
using Verity.Server.Hosting;
using Verity.Server.Operator;

// `--demo` is a switch, which ASP.NET Core's command-line configuration cannot read: turn it into the setting.
// Configuration files are read once: reloading them means watching the content root recursively, and the SQLite
// file and its write-ahead log live below it (./data), so every commit would wake the watcher.
var demo = args.Contains("--demo");
var builder = WebApplication.CreateBuilder([.. args.Where(a => a != "--demo"), "--hostBuilder:reloadConfigOnChange=false"]);
if (demo)
{
    builder.Configuration["Verity:Bootstrap:Demo"] = "true";
}
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("https://127.0.0.1:5443", "http://127.0.0.1:5080");
}

builder.AddVerityStorage();
builder.AddVerityHttps();
builder.AddVerityHosting();
builder.Services.AddGraphErrors();
builder.Services.AddVerityTokens();
builder.Services.AddAdminCenter(); // after AddVerityTokens: its default scheme also accepts the admin-center cookie for GETs
builder.Services.AddGraphApi();

var app = builder.Build();
app.UseTrustedProxies();
app.UseGraphErrors();
app.UseVerityAuthentication();
app.UseAuthorization();
app.UseGraphThrottling();
app.MapLandingPage();
app.MapVerityTokens();
app.MapGraphApi();
app.MapAdminCenter();
app.MapOperator();

await app.InitializeVerityAsync();
await app.RunAsync();
