using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>PATCH for resources whose update is "copy the declared properties, audit the difference".</summary>
internal static class ObjectUpdates
{
    public static async Task<IResult> PatchAsync(HttpContext http, IDirectoryStore store, ChangeWriter writer, ObjectSchema schema, Activity activity, string id)
    {
        var audit = http.Audit();
        var body = await GraphBody.ReadObjectAsync(http.Request);
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var (current, held) = await store.GetForUpdateAsync(writer, audit.TenantId, schema, id, http.RequestAborted);
            audit.Targets = [DirectoryKit.Target(schema, current)];
            schema.Validate(body, create: false);
            var data = current.Data.DeepClone().AsObject();
            DirectoryKit.Apply(schema, body, data);
            var changes = DirectoryKit.Diff(current.Data, data, DirectoryKit.StoredNames(schema, body));
            if (changes.Count > 0)
            {
                await writer.CommitAsync(audit, [new UpdateObject(current with { Data = data })],
                    [audit.Entry(activity, [DirectoryKit.Target(schema, current.Id, data, changes)])],
                    _ => [], () => new GraphException(409, "Request_Conflict", "The object is being changed by another request."));
            }
            else
            {
                writer.ConfirmNoChange(current, held);
            }
            return Results.NoContent();
        });
    }
}
