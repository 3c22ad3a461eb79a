using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Verity.Server.Tests.Support;

/// <summary>An open event stream: reads `event:`/`id:`/`data:` blocks as they arrive.</summary>
public sealed class EventStream(HttpResponseMessage response, StreamReader reader) : IDisposable
{
    public static async Task<EventStream> OpenAsync(HttpClient client, string path, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        return new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken)));
    }

    /// <summary>The next entry event: its id and entry, or fails after <paramref name="seconds"/>.</summary>
    public async Task<(string Id, JsonObject Entry)> NextAsync(int seconds = 10)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        string? id = null, data = null, type = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (type == "entry")
                {
                    return (id!, JsonNode.Parse(data!)!.AsObject());
                }
                (id, data, type) = (null, null, null);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) { id = line[4..]; }
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) { data = line[6..]; }
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) { type = line[7..]; }
        }
        throw new InvalidOperationException("The stream ended.");
    }

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }
}
