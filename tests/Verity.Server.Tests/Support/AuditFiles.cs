using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.VisualBasic.FileIO;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Support;

/// <summary>What download tests compare files with: every entry the list API returns, and a CSV read by an independent parser.</summary>
internal static class AuditFiles
{
    public static async Task<List<JsonObject>> AllFromApiAsync(HttpClient client, string? filter = null)
    {
        var all = new List<JsonObject>();
        string? next = "/v1.0/auditLogs/directoryAudits?$top=1000" + (filter is null ? "" : "&$filter=" + Uri.EscapeDataString(filter));
        while (next is not null)
        {
            var page = await ExpectAsync(await client.GetAsync(next, TestContext.Current.CancellationToken), HttpStatusCode.OK);
            all.AddRange(page["value"]!.AsArray().Select(e => e!.AsObject()));
            next = (string?)page["@odata.nextLink"];
        }
        return all;
    }

    public static List<string[]> ParseCsv(byte[] body)
    {
        using var parser = new TextFieldParser(new MemoryStream(body), Encoding.UTF8) { HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        var rows = new List<string[]>();
        while (!parser.EndOfData)
        {
            rows.Add(parser.ReadFields()!);
        }
        return rows;
    }
}
