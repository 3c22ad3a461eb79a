namespace Verity.Server;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Error, "Unhandled exception for request {RequestId}")]
    public static partial void UnhandledException(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "Verity is ready. Open {Url} and sign in as {UserPrincipalName}")]
    public static partial void Ready(ILogger logger, string url, string userPrincipalName);

    [LoggerMessage(3, LogLevel.Information, "Storage: {Provider}")]
    public static partial void Storage(ILogger logger, string provider);

    [LoggerMessage(4, LogLevel.Information, "Created tenant {TenantId} on an empty store")]
    public static partial void Bootstrapped(ILogger logger, Guid tenantId);
}
