using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Verity.Load;

/// <summary>
/// How soon a sign-in can be seen: while <c>--concurrency</c> connections request app tokens without pause, a probe
/// requests one with its own client-request-id and times, from the token response, (a) the list query that returns its
/// entry and (b) the arrival of that entry on a live feed opened beforehand. A sign-in is committed before its token is
/// answered, so (a) is one query; (b) is the feed's wake-up and read.
/// </summary>
internal static class Visibility
{
    public static async Task<string> SignInsAsync(ApiClient api, string engine, LoadOptions options, string clientId, string secret, int probes)
    {
        var form = $"grant_type=client_credentials&client_id={clientId}&client_secret={Uri.EscapeDataString(secret)}&scope={Uri.EscapeDataString("https://graph.microsoft.com/.default")}";
        using var stop = new CancellationTokenSource();
        var background = Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(async () =>
        {
            await using var http = await RawHttp.ConnectAsync(api.Http.BaseAddress!);
            var request = RawHttp.Form("/verity.local/oauth2/v2.0/token", api.Http.BaseAddress!.Authority, form);
            while (!stop.IsCancellationRequested)
            {
                await http.SendAsync(request);
            }
        })).ToList();

        var arrivals = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var feed = new HttpRequestMessage(HttpMethod.Get, "/beta/auditLogs/signIns/live?$filter=" +
            Uri.EscapeDataString("signInEventTypes/any(t: t eq 'servicePrincipal')"));
        feed.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var stream = await api.Http.SendAsync(feed, HttpCompletionOption.ResponseHeadersRead);
        var reader = Task.Run(async () =>
        {
            using var lines = new StreamReader(await stream.Content.ReadAsStreamAsync());
            while (await lines.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal) && (string?)JsonNode.Parse(line[6..])!["correlationId"] is { } id)
                {
                    arrivals.TryAdd(id, Stopwatch.GetTimestamp());
                }
            }
        });

        var list = new List<double>();
        var live = new List<double>();
        for (var i = 0; i < probes + probes / 10; i++)
        {
            var correlation = Guid.NewGuid().ToString();
            using var token = new HttpRequestMessage(HttpMethod.Post, "/verity.local/oauth2/v2.0/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "https://graph.microsoft.com/.default",
                }),
            };
            token.Headers.Add("client-request-id", correlation);
            using (var answer = await api.Http.SendAsync(token))
            {
                answer.EnsureSuccessStatusCode();
            }
            var answered = Stopwatch.GetTimestamp();
            var query = "/beta/auditLogs/signIns?$filter=" + Uri.EscapeDataString($"correlationId eq '{correlation}' and signInEventTypes/any(t: t eq 'servicePrincipal')");
            while (JsonNode.Parse(await api.Http.GetStringAsync(query))!["value"]!.AsArray().Count == 0)
            {
            }
            var listed = Stopwatch.GetElapsedTime(answered).TotalMilliseconds;
            long arrived;
            var waited = Stopwatch.StartNew();
            while (!arrivals.TryGetValue(correlation, out arrived))
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new TimeoutException($"The sign-in {correlation} never arrived on the live feed.");
                }
                await Task.Delay(1);
            }
            if (i >= probes / 10) // the first tenth warms up
            {
                list.Add(listed);
                live.Add(Math.Max(0, Stopwatch.GetElapsedTime(answered, arrived).TotalMilliseconds));
            }
        }
        await stop.CancelAsync();
        await Task.WhenAll(background);
        string P(List<double> values, double q)
        {
            values.Sort();
            return values[(int)Math.Min(values.Count - 1, q * values.Count)].ToString("0.0", CultureInfo.InvariantCulture);
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"| {engine} | {options.Concurrency} | {list.Count} | {P(list, 0.5)} / {P(list, 0.99)} / {P(list, 1)} | {P(live, 0.5)} / {P(live, 0.99)} / {P(live, 1)} |");
    }
}
