using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity tenant create|list</c>: an online command, calling the server's operator API (<c>/operator/tenants</c>)
/// with the operator key. Exit codes as <see cref="OperatorApi"/>; a domain another tenant has (409) is a 2.
/// </summary>
internal static class TenantCommand
{
    public static Command Create()
    {
        var api = new OperatorApi();
        var displayName = new Option<string>("--display-name") { Description = "The tenant's name", Required = true };
        var domain = new Option<string>("--domain") { Description = "The tenant's domain, unique across tenants", Required = true };
        var adminUpn = new Option<string>("--admin-upn") { Description = "The first Global Administrator (default admin@<domain>); its password is generated and printed once" };

        var create = api.Command("create", "Create a tenant with its first Global Administrator.", [displayName, domain, adminUpn], (parse, http, ct) =>
        {
            var body = new JsonObject { ["displayName"] = parse.GetValue(displayName), ["domain"] = parse.GetValue(domain) };
            if (parse.GetValue(adminUpn) is { } upn)
            {
                body["adminUserPrincipalName"] = upn;
            }
            return http.PostAsync("operator/tenants", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        }, PrintCreated);
        var list = api.Command("list", "List every tenant, oldest first.", [], (_, http, ct) => http.GetAsync("operator/tenants", ct), PrintList);

        return new Command("tenant", "Tenants of this server (online: uses the server's operator API and key).") { create, list };
    }

    private static string PrintCreated(JsonNode tenant) => string.Join(Environment.NewLine,
        $"Created tenant {tenant["id"]} ({tenant["displayName"]})",
        $"  Domain:   {tenant["domain"]}",
        $"  Admin:    {tenant["adminUserPrincipalName"]}",
        $"  Password: {tenant["adminPassword"]}   (shown once)");

    private static string PrintList(JsonNode list)
    {
        string[] header = ["ID", "DOMAIN", "CREATED (UTC)", "DISPLAY NAME"];
        var rows = list["value"]!.AsArray().Select(t => new[] { (string)t!["id"]!, (string)t["domain"]!, (string)t["createdDateTime"]!, (string)t["displayName"]! }).ToList();
        return OperatorApi.Table(header, rows);
    }
}
