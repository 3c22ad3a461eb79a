using Verity.Core.Model;
using Verity.Core.Storage;

namespace Verity.Server.SignInLogs;

/// <summary>
/// Writes a sign-in to its tenant's log through the group commit, and waits until it is committed: a sign-in that
/// cannot be logged does not succeed (the caller turns false into a refusal).
/// </summary>
internal sealed class SignInRecorder(ChangeWriter writer, ILogger<SignInRecorder> logger)
{
    public async Task<bool> RecordAsync(Guid tenantId, SignIn signIn)
    {
        try
        {
            var outcome = await writer.SubmitAsync(new DirectoryChange
            {
                TenantId = tenantId,
                Ops = [],
                Audits = [],
                Entries = [SignInsLog.Entry(tenantId, signIn)],
            });
            return outcome.Committed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("A sign-in could not be logged, so it was refused: {Reason}", e.Message);
            // The queue was full, the writer is closing, or the store failed: the caller refuses the sign-in.
            return false;
        }
    }
}
