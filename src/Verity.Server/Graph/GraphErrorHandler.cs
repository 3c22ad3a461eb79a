using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Verity.Core.Storage;

namespace Verity.Server.Graph;

/// <summary>
/// Every error leaves the server in Graph's shape: <c>{"error":{"code","message","innerError":{"date","request-id",
/// "client-request-id"}}}</c>. Unexpected exceptions become a 500 with a request id and no detail.
/// </summary>
internal static class GraphErrorHandler
{
    public static IServiceCollection AddGraphErrors(this IServiceCollection services)
    {
        services.AddExceptionHandler<UnhandledExceptionHandler>();
        services.AddProblemDetails();
        return services;
    }

    public static WebApplication UseGraphErrors(this WebApplication app)
    {
        app.Use(static async (context, next) =>
        {
            var requestId = RequestIds.NewGuid().ToString();
            context.Items[RequestIdKey] = requestId;
            context.Response.Headers["request-id"] = requestId;
            if (ClientRequestId(context.Request) is { } clientRequestId)
            {
                context.Response.Headers["client-request-id"] = clientRequestId;
            }
            if (RequestLimits.Check(context.Request) is var (status, code, message))
            {
                await WriteAsync(context, status, code, message);
                return;
            }
            var inFlight = context.RequestServices.GetRequiredService<RequestsInFlight>();
            if (!await inFlight.TryEnterAsync(context))
            {
                return;
            }
            try
            {
                await next(context);
            }
            finally
            {
                inFlight.Leave(context);
            }
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages(static async statusContext =>
        {
            var response = statusContext.HttpContext.Response;
            var (code, message) = response.StatusCode switch
            {
                404 => ("Request_ResourceNotFound", "The requested resource or endpoint does not exist."),
                405 => ("Request_BadRequest", $"The HTTP method '{statusContext.HttpContext.Request.Method}' is not supported by this resource."),
                413 => ("RequestEntityTooLarge", "The request body is too large."),
                415 => ("UnsupportedMediaType", "The request body must be JSON (Content-Type: application/json)."),
                _ => ("BadRequest", "The request could not be processed."),
            };
            await WriteAsync(statusContext.HttpContext, response.StatusCode, code, message);
        });
        return app;
    }

    public const string RequestIdKey = "verity.request-id";

    public static async Task WriteAsync(HttpContext context, int status, string code, string message)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        await using var w = new Utf8JsonWriter(response.Body);
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        w.WriteStartObject("innerError");
        w.WriteString("date", time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        w.WriteString("request-id", context.Items[RequestIdKey] as string ?? context.TraceIdentifier);
        w.WriteString("client-request-id", ClientRequestId(context.Request) ?? (context.Items[RequestIdKey] as string));
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        await w.FlushAsync(context.RequestAborted);
    }

    /// <summary>The client's request id, echoed only when it is of a sane size (Graph's are GUIDs).</summary>
    private static string? ClientRequestId(HttpRequest request) =>
        request.Headers["client-request-id"].FirstOrDefault() is { Length: > 0 and <= 128 } id ? id : null;

    private sealed class UnhandledExceptionHandler(ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
        {
            switch (exception)
            {
                case GraphException g:
                    await WriteAsync(context, g.Status, g.Code, g.Message);
                    return true;
                case ChangeQueueFullException:
                    await Throttling.WriteQueueFullAsync(context);
                    return true;
                case DirectoryObjects.StaleObjectException:
                    await WriteAsync(context, 409, "Request_Conflict", "The object was changed by another request at the same time. Retry the request.");
                    return true;
                case BadHttpRequestException { StatusCode: 413 }:
                    await WriteAsync(context, 413, "RequestEntityTooLarge", "The request body is too large.");
                    return true;
                case BadHttpRequestException b:
                    await WriteAsync(context, b.StatusCode, "BadRequest", "The request is malformed.");
                    return true;
                case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                    return true;
                default:
                    Log.UnhandledException(logger, context.Items[RequestIdKey] as string ?? "", exception);
                    await WriteAsync(context, 500, "generalException", "An unexpected error occurred. Quote the request-id when reporting it.");
                    return true;
            }
        }
    }
}
