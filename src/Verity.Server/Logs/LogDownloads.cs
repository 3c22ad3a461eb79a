using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.Logs;

/// <summary>The most rows one download file holds, for every log (each log's own limit applies below it: Entra's portal gives 250,000 audit records, 100,000 sign-ins).</summary>
internal sealed class DownloadOptions
{
    public const string Section = "Verity:Download";

    [System.ComponentModel.DataAnnotations.Range(1, 10_000_000)]
    public int MaxRows { get; set; } = 250_000;
}

/// <summary>
/// <c>GET /v1.0/auditLogs/{log}/download?format=csv|json</c>: the filtered log as one file, streamed page by
/// page from the store, so memory stays flat whatever the row count. <c>$filter</c> and <c>$orderby</c> are those of
/// the list. A file holds at most <c>maxRows</c> rows (default and cap: the log's limit or <see cref="DownloadOptions.MaxRows"/>, the lower); when
/// more match, a <c>Link: &lt;…&amp;cursor=…&gt;; rel="next"</c> header names the next file, which starts exactly where
/// this one stops, however many entries are written in between.
/// </summary>
internal static class LogDownloads
{
    private const int PageSize = 1_000;
    private static readonly string[] Supported = ["format", "$filter", "$orderby", "maxRows", "cursor"];

    public static async Task Download(HttpContext http, ILogStore logs, KeyRing keys, IOptions<DownloadOptions> options, TimeProvider time, LogApi api)
    {
        var request = http.Request;
        foreach (var key in request.Query.Keys.Where(k => !Supported.Contains(k, StringComparer.Ordinal)))
        {
            throw GraphException.BadRequest($"Unknown query parameter '{key}' for a download. Supported: {string.Join(", ", Supported)}.", "Request_UnsupportedQuery");
        }
        var format = request.Query["format"].ToString() switch
        {
            "" or "csv" => "csv",
            "json" => "json",
            var other => throw GraphException.BadRequest($"format '{other}' is not supported: use csv or json."),
        };
        var cap = Math.Min(options.Value.MaxRows, api.MaxDownloadRows);
        var maxRows = cap;
        if (request.Query.TryGetValue("maxRows", out var maxText)
            && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out maxRows) || maxRows < 1 || maxRows > cap))
        {
            throw GraphException.BadRequest($"Invalid value '{maxText}' for maxRows: use a whole number from 1 to {cap}.");
        }
        var descending = LogEndpoints.ParseDescending(request, api);
        var filter = LogEndpoints.ParseFilter(request, api);
        var tenant = http.Audit().TenantId;
        var fingerprint = "download|" + LogEndpoints.Fingerprint(api, tenant, descending, request.Query["$filter"].ToString());
        long? after = null;
        if (request.Query.TryGetValue("cursor", out var cursor))
        {
            // The cursor names the first entry of this file; pages continue after the entry just before it.
            var first = keys.SkipTokens.Decode(cursor.ToString(), fingerprint)
                ?? throw GraphException.BadRequest("The download cursor is invalid, was altered, or belongs to a different query. Use the Link header exactly as returned.");
            after = descending ? first + 1 : first - 1;
        }
        var query = new LogQuery { Log = api.Log.Name, TenantId = tenant, Top = PageSize, Descending = descending, AfterSeq = after, Filter = filter };

        if (await logs.SeqAtAsync(query, maxRows, http.RequestAborted) is { } next)
        {
            var link = QueryHelpers.AddQueryString(
                UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path),
                request.Query.Where(q => q.Key != "cursor").Select(q => KeyValuePair.Create(q.Key, (string?)q.Value.ToString()))
                    .Append(KeyValuePair.Create("cursor", (string?)keys.SkipTokens.Encode(next, fingerprint))));
            http.Response.Headers.Link = $"<{link}>; rel=\"next\"";
        }
        var stamp = time.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{api.DownloadName}_{stamp}.{format}\"";
        http.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";

        var pages = Pages(logs, query, maxRows, http.RequestAborted);
        if (format == "csv")
        {
            await WriteCsvAsync(http.Response, api.Csv, pages, http.RequestAborted);
        }
        else
        {
            await WriteJsonAsync(http.Response, pages, http.RequestAborted);
        }
    }

    /// <summary>
    /// The matching entries, one store page at a time, up to <paramref name="maxRows"/>. The next page is read while
    /// the caller writes this one, so the store and the response formatting overlap.
    /// </summary>
    private static async IAsyncEnumerable<IReadOnlyList<StoredLogEntry>> Pages(ILogStore logs, LogQuery query, int maxRows,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var left = maxRows;
        Task<LogPage>? next = logs.QueryAsync(query with { Top = Math.Min(PageSize, left) }, ct);
        try
        {
            while (next is not null)
            {
                var page = await next;
                next = null;
                left -= page.Entries.Count;
                if (page.HasMore && left > 0 && page.Entries.Count > 0)
                {
                    query = query with { AfterSeq = page.Entries[^1].Seq, Top = Math.Min(PageSize, left) };
                    next = logs.QueryAsync(query, ct);
                }
                if (page.Entries.Count > 0)
                {
                    yield return page.Entries;
                }
            }
        }
        finally
        {
            // A download the client abandoned still waits for its read ahead, so no store call outlives the request.
            if (next is not null)
            {
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// UTF-8 with a byte order mark, as the portal's file (spreadsheets then read it as UTF-8), RFC 4180 quoting.
    /// A text cell that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe: names and
    /// values in a log are typed by anyone who may change the directory or try to sign in.
    /// </summary>
    private static async Task WriteCsvAsync(HttpResponse response, ILogCsv layout, IAsyncEnumerable<IReadOnlyList<StoredLogEntry>> pages, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(response.Body, new CsvWriterOptions { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true);
        foreach (var name in layout.Header)
        {
            csv.WriteField(name, CsvQuoting.Always);
        }
        // Records end with EndRecordAsync: the writer empties its buffer into the response when it is nearly full,
        // and Kestrel allows no synchronous writes.
        await csv.EndRecordAsync(ct);
        await foreach (var page in pages)
        {
            foreach (var entry in page)
            {
                await layout.WriteRowAsync(csv, entry.Json, ct);
            }
            await csv.FlushAsync(ct);
        }
    }

    /// <summary>A JSON array of the entries, each the exact bytes the API serves, through the response's pooled pipe.</summary>
    private static async Task WriteJsonAsync(HttpResponse response, IAsyncEnumerable<IReadOnlyList<StoredLogEntry>> pages, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(response.BodyWriter);
        json.WriteStartArray();
        await foreach (var page in pages)
        {
            foreach (var entry in page)
            {
                json.WriteRawValue(entry.Json, skipInputValidation: true);
            }
            json.Flush();
            await response.BodyWriter.FlushAsync(ct);
        }
        json.WriteEndArray();
        json.Flush();
        await response.BodyWriter.FlushAsync(ct);
    }
}
