using System.CommandLine;
using System.Text.Json.Nodes;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity keys rotate|list</c>: an online command, calling the server's operator API (<c>/operator/keys</c>). Rotation
/// starts a new generation of the token-signing, token-encryption and skiptoken keys; tokens and skiptokens made with
/// the earlier ones stay valid until they expire. Exit codes as <see cref="OperatorApi"/>.
/// </summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var api = new OperatorApi();
        var rotate = api.Command("rotate", "Start a new key generation; the earlier ones keep validating what they signed until they expire.", [],
            (_, http, ct) => http.PostAsync("operator/keys/rotate", null, ct), generation => $"Rotated: generation {generation["generation"]} is active, signing as kid {generation["signingKeyId"]}.");
        var list = api.Command("list", "List the key generations, newest first (no secrets).", [], (_, http, ct) => http.GetAsync("operator/keys", ct), PrintList);
        return new Command("keys", "The server's token and skiptoken keys (online: uses the server's operator API and key).") { rotate, list };
    }

    private static string PrintList(JsonNode list)
    {
        string[] header = ["GENERATION", "STATUS", "CREATED (UTC)", "VALID UNTIL (UTC)", "SIGNING KID"];
        var rows = list["value"]!.AsArray().Select(g => new[]
        {
            g!["generation"]!.ToString(), (string)g["status"]!, (string)g["createdDateTime"]!, (string?)g["validUntilDateTime"] ?? "-", (string)g["signingKeyId"]!,
        }).ToList();
        return OperatorApi.Table(header, rows);
    }
}
