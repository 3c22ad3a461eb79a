using System.Globalization;
using System.Text.Json;

namespace Verity.Core.Model;

/// <summary>
/// Writes a <see cref="DirectoryAudit"/> as the exact Graph v1.0 JSON (reference §1.9): both initiator keys present,
/// timestamps with seven fractional digits and a Z. These bytes are stored and served unchanged.
/// </summary>
public static class DirectoryAuditJson
{
    // One buffer and writer per thread, reset for each entry: every audited change serializes its entries on the
    // request's thread, and a fresh buffer grown to fit (and a fresh writer) per entry was garbage on the hot path.
    [ThreadStatic]
    private static (System.Buffers.ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? t_serializer;

    public static byte[] ToUtf8(DirectoryAudit a)
    {
        var (buffer, w) = t_serializer ??= NewSerializer();
        buffer.ResetWrittenCount();
        w.Reset(buffer);
        Write(w, a);
        w.Flush();
        var json = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > 65_536)
        {
            t_serializer = null; // a rare huge entry does not pin its buffer to the thread
        }
        return json;
    }

    private static (System.Buffers.ArrayBufferWriter<byte>, Utf8JsonWriter) NewSerializer()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        return (buffer, new Utf8JsonWriter(buffer));
    }

    public static string FormatTimestamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string ResultText(AuditResult r) => r switch
    {
        AuditResult.Success => "success",
        AuditResult.Failure => "failure",
        AuditResult.Timeout => "timeout",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    private static void Write(Utf8JsonWriter w, DirectoryAudit a)
    {
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("category", a.Category);
        w.WriteString("correlationId", a.CorrelationId);
        w.WriteString("result", ResultText(a.Result));
        w.WriteString("resultReason", a.ResultReason);
        w.WriteString("activityDisplayName", a.ActivityDisplayName);
        w.WriteString("activityDateTime", FormatTimestamp(a.ActivityDateTime));
        w.WriteString("loggedByService", a.LoggedByService);
        w.WriteString("operationType", a.OperationType);
        w.WriteStartObject("initiatedBy");
        if (a.InitiatedBy.App is { } app)
        {
            w.WriteStartObject("app");
            w.WriteString("appId", app.AppId);
            w.WriteString("displayName", app.DisplayName);
            w.WriteString("servicePrincipalId", app.ServicePrincipalId);
            w.WriteString("servicePrincipalName", app.ServicePrincipalName);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("app");
        }
        if (a.InitiatedBy.User is { } user)
        {
            w.WriteStartObject("user");
            w.WriteString("id", user.Id);
            w.WriteString("displayName", user.DisplayName);
            w.WriteString("userPrincipalName", user.UserPrincipalName);
            w.WriteString("ipAddress", user.IpAddress);
            w.WriteNull("userType");
            w.WriteNull("homeTenantId");
            w.WriteNull("homeTenantName");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("user");
        }
        w.WriteEndObject();
        w.WriteStartArray("targetResources");
        foreach (var t in a.TargetResources)
        {
            w.WriteStartObject();
            w.WriteString("id", t.Id);
            w.WriteString("displayName", t.DisplayName);
            w.WriteString("type", t.Type);
            w.WriteString("userPrincipalName", t.UserPrincipalName);
            w.WriteString("groupType", t.GroupType);
            w.WriteStartArray("modifiedProperties");
            foreach (var p in t.ModifiedProperties)
            {
                w.WriteStartObject();
                w.WriteString("displayName", p.DisplayName);
                w.WriteString("oldValue", p.OldValue);
                w.WriteString("newValue", p.NewValue);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("additionalDetails");
        foreach (var d in a.AdditionalDetails)
        {
            w.WriteStartObject();
            w.WriteString("key", d.Key);
            w.WriteString("value", d.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
