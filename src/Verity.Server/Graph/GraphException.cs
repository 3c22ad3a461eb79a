namespace Verity.Server.Graph;

/// <summary>An error a client caused or must know about, rendered in Graph's error shape by <see cref="GraphErrorHandler"/>.</summary>
internal sealed class GraphException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    /// <summary>True when the failure entry for this error is already written, so nobody writes a second one.</summary>
    public bool Audited { get; init; }

    public static GraphException BadRequest(string message, string code = "BadRequest") => new(400, code, message);
    public static GraphException NotFound(string message) => new(404, "Request_ResourceNotFound", message);
    public static GraphException Conflict(string message) => new(409, "Request_MultipleObjectsWithSameKeyValue", message);
    public static GraphException Forbidden(string message = "Insufficient privileges to complete the operation.") =>
        new(403, "Authorization_RequestDenied", message);
}
