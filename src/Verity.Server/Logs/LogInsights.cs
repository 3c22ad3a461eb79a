using System.Globalization;
using System.Text.Json.Nodes;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.Logs;

/// <summary>What a question's number counts: the matching entries, or the distinct values of a field among them.</summary>
/// <param name="Distinct">Counts distinct values of this field instead of entries.</param>
/// <param name="Where">For a collection field: only elements whose field has this value (targets of type User).</param>
internal sealed record InsightAnswer(LogField? Distinct = null, (LogField Field, string Value)? Where = null);

/// <summary>A question's short list: the most frequent values of a field, each with the clause that selects it, or the latest entries.</summary>
internal abstract record InsightList;

internal sealed record TopValues(LogField Field, Func<string, string> Clause, Func<string, string>? Label = null) : InsightList;

internal sealed record RecentEntries(Func<StoredLogEntry, string> Label) : InsightList;

/// <summary>One question of a log's insights page, answered by aggregate queries over the entries its filter selects.</summary>
internal sealed record InsightQuestion(string Id, string Text, string Filter, InsightAnswer Answer, string Unit, InsightList List, string? SeriesUnit = null);

/// <summary>
/// <c>GET /v1.0/auditLogs/{log}/insights?days=N</c>: a log's questions (<see cref="LogApi.Questions"/>), each answered
/// with a number, a per-day series and a short list, all computed by aggregate queries in the store. Every question and
/// list item carries the <c>$filter</c> of the entries behind it, which the list API accepts as is.
/// </summary>
internal static class LogInsights
{
    private const int Items = 5;

    public static async Task<IResult> Get(HttpContext http, ILogStore logs, TimeProvider time, LogApi api)
    {
        var request = http.Request;
        foreach (var key in request.Query.Keys.Where(k => k != "days"))
        {
            throw GraphException.BadRequest($"Unknown query parameter '{key}' for insights. Supported: days.", "Request_UnsupportedQuery");
        }
        var days = 30;
        if (request.Query.TryGetValue("days", out var daysText)
            && (!int.TryParse(daysText, NumberStyles.None, CultureInfo.InvariantCulture, out days) || days is < 1 or > 90))
        {
            throw GraphException.BadRequest($"Invalid value '{daysText}' for days: use a whole number from 1 to 90.");
        }
        var now = time.GetUtcNow();
        var from = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1 - days); // today and the days before it
        var since = $"{api.Log.Time.Path} ge {from.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";
        var tenant = http.Audit().TenantId;
        var ct = http.RequestAborted;

        var answers = new JsonArray();
        foreach (var q in api.Questions)
        {
            var filter = $"{q.Filter} and {since}";
            var query = new LogQuery { Log = api.Log.Name, TenantId = tenant, Top = Items, Filter = api.Scope(FilterParser.Parse(filter, api.Log)) };
            var perDay = (await logs.CountByDayAsync(query, ct)).ToDictionary(b => b.Key, b => b.Count);
            var number = q.Answer.Distinct is { } field ? await logs.CountDistinctAsync(query, field, q.Answer.Where, ct) : perDay.Values.Sum();
            answers.Add(new JsonObject
            {
                ["id"] = q.Id,
                ["question"] = q.Text,
                ["filter"] = filter,
                ["number"] = number,
                ["unit"] = q.Unit,
                ["seriesUnit"] = q.SeriesUnit ?? q.Unit,
                ["series"] = new JsonArray([.. Enumerable.Range(0, days).Select(d => from.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
                    .Select(day => (JsonNode)new JsonObject { ["date"] = day, ["count"] = perDay.GetValueOrDefault(day) })]),
                ["items"] = await ItemsAsync(logs, q, query, filter, ct),
            });
        }
        return Results.Json(new JsonObject
        {
            ["from"] = from.ToString("O", CultureInfo.InvariantCulture),
            ["to"] = now.ToString("O", CultureInfo.InvariantCulture),
            ["days"] = days,
            ["questions"] = answers,
        });
    }

    private static async Task<JsonArray> ItemsAsync(ILogStore logs, InsightQuestion q, LogQuery query, string filter, CancellationToken ct)
    {
        switch (q.List)
        {
            case TopValues top:
                return new JsonArray([.. (await logs.CountByAsync(query, top.Field, Items, ct)).Select(b => (JsonNode)new JsonObject
                {
                    ["label"] = top.Label?.Invoke(b.Key) ?? b.Key, ["count"] = b.Count, ["filter"] = $"{filter} and {top.Clause(b.Key)}",
                })]);
            case RecentEntries recent:
                var page = await logs.QueryAsync(query, ct);
                return new JsonArray([.. page.Entries.Select(e => (JsonNode)new JsonObject
                {
                    ["label"] = recent.Label(e),
                    ["date"] = e.Time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
                    ["filter"] = $"id eq {Quote(e.Id)}",
                })]);
            default:
                throw new InvalidOperationException("Unknown insight list.");
        }
    }

    /// <summary>An OData string literal: single quotes doubled.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
