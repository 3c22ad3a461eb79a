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

    [LoggerMessage(5, LogLevel.Warning, "Key rotation: generation {Generation} is active, signing as kid {KeyId}; earlier keys validate until they expire")]
    public static partial void KeysRotated(ILogger logger, int generation, string keyId);

    [LoggerMessage(6, LogLevel.Warning, "Moved the token and skiptoken keys out of the database settings table into the key ring in {Directory}")]
    public static partial void KeysMoved(ILogger logger, string directory);

    [LoggerMessage(7, LogLevel.Warning, "No Verity:Keys:CertificatePath: the Data Protection keys in {Directory} that encrypt Verity's key ring are protected only by the directory's permissions")]
    public static partial void KeysUnencrypted(ILogger logger, string directory);

    [LoggerMessage(8, LogLevel.Warning, "Pruning expired and used OAuth token entries failed; trying again in an hour")]
    public static partial void TokenPruneFailed(ILogger logger, Exception exception);
}
