using System.CommandLine;
using Verity.Cli.Commands;

var root = new RootCommand("Verity: a self-hosted identity directory with an append-only, Graph-shaped activity log.")
{
    DbCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
