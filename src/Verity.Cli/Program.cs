using System.CommandLine;
using Verity.Cli.Commands;

var root = new RootCommand("Verity: a self-hosted identity directory with an append-only, Graph-shaped activity log.")
{
    DbCommand.Create(),
    TenantCommand.Create(),
    KeysCommand.Create(),
};
// Exit code 2 for arguments the parser rejects, as every command documents; System.CommandLine itself returns 1.
var parse = root.Parse(args);
var exit = await parse.InvokeAsync();
return parse.Errors.Count > 0 ? 2 : exit;
