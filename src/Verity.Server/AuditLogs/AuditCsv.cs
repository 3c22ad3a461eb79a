using System.Text.Json;
using CsvHelper;

namespace Verity.Server.AuditLogs;

/// <summary>
/// The Entra admin center's audit CSV (reference §6.6): 86 fixed columns, three target blocks of five modified
/// properties each and six additional details; missing cells are empty. Whatever does not fit is left out, and an
/// 87th column, Notes, after Entra's own, says what was left out of that row and points to the JSON download.
/// Rows are written from the stored JSON, so a download shows exactly what the API serves.
/// </summary>
internal sealed class AuditCsv : Logs.ILogCsv
{
    public static readonly AuditCsv Instance = new();

    private const int Targets = 3;
    private const int PropertiesPerTarget = 5;
    private const int Details = 6;

    private static readonly IReadOnlyList<string> s_header = BuildHeader();

    public IReadOnlyList<string> Header => s_header;

    private static string[] BuildHeader()
    {
        var header = new List<string>
        {
            "Date (UTC)", "CorrelationId", "Service", "Category", "Activity", "Result", "ResultReason", "User Agent",
            "ActorType", "ActorDisplayName", "ActorObjectId", "ActorUserPrincipalName", "IPAddress",
            "ActorHomeTenantId", "ActorHomeTenantName", "ActorServicePrincipalId", "ActorServicePrincipalName",
        };
        for (var t = 1; t <= Targets; t++)
        {
            header.AddRange([$"Target{t}Type", $"Target{t}DisplayName", $"Target{t}ObjectId", $"Target{t}UserPrincipalName"]);
            for (var p = 1; p <= PropertiesPerTarget; p++)
            {
                header.AddRange([$"Target{t}ModifiedProperty{p}Name", $"Target{t}ModifiedProperty{p}OldValue", $"Target{t}ModifiedProperty{p}NewValue"]);
            }
        }
        for (var d = 1; d <= Details; d++)
        {
            header.AddRange([$"AdditionalDetail{d}Key", $"AdditionalDetail{d}Value"]);
        }
        header.Add("Notes");
        return [.. header];
    }

    /// <summary>Writes one entry's row. One forward pass over the stored JSON, no objects per entry.</summary>
    public ValueTask WriteRowAsync(CsvWriter csv, byte[] json, CancellationToken ct) =>
        RowCells.For(json).WriteAsync(csv, ct);

    /// <summary>
    /// The 87 cells of one row as slices of one buffer, holding each string value unescaped (the stored JSON escapes
    /// every non-ASCII and HTML-sensitive character). One per thread, reused row after row.
    /// </summary>
    private sealed class RowCells
    {
        private const int ActorType = 8, ActorDisplayName = 9, UserAgent = 7, FirstTarget = 17, TargetWidth = 4 + 3 * PropertiesPerTarget;
        private const int FirstDetail = FirstTarget + Targets * TargetWidth, Notes = FirstDetail + 2 * Details;

        [ThreadStatic]
        private static RowCells? _current;

        private readonly int[] _start = new int[Notes + 1];
        private readonly int[] _length = new int[Notes + 1];
        private readonly int[] _moreProperties = new int[Targets];
        private int _moreTargets, _moreDetails;
        private byte[] _bytes = new byte[4096];
        private int _used;

        public static RowCells For(byte[] json)
        {
            var cells = _current ??= new RowCells();
            cells.Read(json);
            return cells;
        }

        public ValueTask WriteAsync(CsvWriter csv, CancellationToken ct)
        {
            for (var i = 0; i < _start.Length; i++)
            {
                csv.WriteField(_bytes.AsSpan(_start[i], _length[i]));
            }
            return csv.EndRecordAsync(ct);
        }

        private void Read(byte[] json)
        {
            System.Array.Clear(_length);
            System.Array.Clear(_moreProperties);
            _moreTargets = _moreDetails = 0;
            _used = 0;
            var reader = new Utf8JsonReader(json);
            reader.Read();
            while (NextProperty(ref reader) is { } name)
            {
                switch (name)
                {
                    case "activityDateTime": Text(ref reader, 0); break;
                    case "correlationId": Text(ref reader, 1); break;
                    case "loggedByService": Text(ref reader, 2); break;
                    case "category": Text(ref reader, 3); break;
                    case "activityDisplayName": Text(ref reader, 4); break;
                    case "result": Text(ref reader, 5); break;
                    case "resultReason": Text(ref reader, 6); break;
                    case "initiatedBy": Initiator(ref reader); break;
                    case "targetResources": TargetResources(ref reader); break;
                    case "additionalDetails": AdditionalDetails(ref reader); break;
                    default: reader.Skip(); break;
                }
            }
            if (_moreTargets + _moreDetails + _moreProperties.Sum() > 0)
            {
                Constant(Notes, System.Text.Encoding.UTF8.GetBytes(LeftOut()));
            }
        }

        /// <summary>What this row leaves out, e.g. "Not shown: 3 more modified properties of target 1. The JSON download has the whole entry."</summary>
        private string LeftOut()
        {
            static string More(int n, string one, string many) => $"{n} more {(n == 1 ? one : many)}";
            var parts = new List<string>();
            for (var t = 0; t < Targets; t++)
            {
                if (_moreProperties[t] > 0)
                {
                    parts.Add(More(_moreProperties[t], "modified property", "modified properties") + $" of target {t + 1}");
                }
            }
            if (_moreTargets > 0)
            {
                parts.Add(More(_moreTargets, "target", "targets"));
            }
            if (_moreDetails > 0)
            {
                parts.Add(More(_moreDetails, "additional detail", "additional details"));
            }
            return $"Not shown: {string.Join("; ", parts)}. The JSON download has the whole entry.";
        }

        private void Initiator(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return;
            }
            while (NextProperty(ref reader) is { } name)
            {
                if (name == "user" && reader.TokenType == JsonTokenType.StartObject)
                {
                    Constant(ActorType, "User"u8);
                    while (NextProperty(ref reader) is { } field)
                    {
                        switch (field)
                        {
                            case "displayName": Text(ref reader, ActorDisplayName); break;
                            case "id": Text(ref reader, 10); break;
                            case "userPrincipalName": Text(ref reader, 11); break;
                            case "ipAddress": Text(ref reader, 12); break;
                            case "homeTenantId": Text(ref reader, 13); break;
                            case "homeTenantName": Text(ref reader, 14); break;
                            default: reader.Skip(); break;
                        }
                    }
                }
                else if (name == "app" && reader.TokenType == JsonTokenType.StartObject)
                {
                    var asUser = _length[ActorType] > 0;
                    if (!asUser)
                    {
                        Constant(ActorType, "App"u8);
                    }
                    while (NextProperty(ref reader) is { } field)
                    {
                        switch (field)
                        {
                            case "displayName" when !asUser || _length[ActorDisplayName] == 0: Text(ref reader, ActorDisplayName); break;
                            case "servicePrincipalId": Text(ref reader, 15); break;
                            case "servicePrincipalName": Text(ref reader, 16); break;
                            default: reader.Skip(); break;
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        private void TargetResources(ref Utf8JsonReader reader)
        {
            var t = 0;
            if (!IsArray(ref reader))
            {
                return;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (t >= Targets || reader.TokenType != JsonTokenType.StartObject)
                {
                    _moreTargets += reader.TokenType == JsonTokenType.StartObject ? 1 : 0;
                    reader.Skip();
                    continue;
                }
                var index = t++;
                var first = FirstTarget + index * TargetWidth;
                while (NextProperty(ref reader) is { } name)
                {
                    switch (name)
                    {
                        case "type": Text(ref reader, first); break;
                        case "displayName": Text(ref reader, first + 1); break;
                        case "id": Text(ref reader, first + 2); break;
                        case "userPrincipalName": Text(ref reader, first + 3); break;
                        case "modifiedProperties": ModifiedProperties(ref reader, first + 4, index); break;
                        default: reader.Skip(); break;
                    }
                }
            }
        }

        private void ModifiedProperties(ref Utf8JsonReader reader, int first, int target)
        {
            var p = 0;
            if (!IsArray(ref reader))
            {
                return;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (p >= PropertiesPerTarget || reader.TokenType != JsonTokenType.StartObject)
                {
                    _moreProperties[target] += reader.TokenType == JsonTokenType.StartObject ? 1 : 0;
                    reader.Skip();
                    continue;
                }
                var cell = first + p++ * 3;
                while (NextProperty(ref reader) is { } name)
                {
                    switch (name)
                    {
                        case "displayName": Text(ref reader, cell); break;
                        case "oldValue": Text(ref reader, cell + 1); break;
                        case "newValue": Text(ref reader, cell + 2); break;
                        default: reader.Skip(); break;
                    }
                }
            }
        }

        // The User-Agent column repeats the first detail keyed "User-Agent", which may lie beyond the six shown.
        private void AdditionalDetails(ref Utf8JsonReader reader)
        {
            var d = 0;
            if (!IsArray(ref reader))
            {
                return;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                (int Start, int Length) key = (0, 0), value = (0, 0);
                while (NextProperty(ref reader) is { } name)
                {
                    switch (name)
                    {
                        case "key": key = Copy(ref reader); break;
                        case "value": value = Copy(ref reader); break;
                        default: reader.Skip(); break;
                    }
                }
                if (d < Details)
                {
                    var cell = FirstDetail + d++ * 2;
                    (_start[cell], _length[cell]) = key;
                    (_start[cell + 1], _length[cell + 1]) = value;
                }
                else
                {
                    _moreDetails++;
                }
                if (_length[UserAgent] == 0 && _bytes.AsSpan(key.Start, key.Length).SequenceEqual("User-Agent"u8))
                {
                    (_start[UserAgent], _length[UserAgent]) = value;
                }
            }
        }

        /// <summary>Moves to the next property's value and names it, or returns null at the object's end.</summary>
        private static string? NextProperty(ref Utf8JsonReader reader)
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
            {
                return null;
            }
            var name = Known(ref reader);
            reader.Read();
            return name;
        }

        /// <summary>The property's name from the few this row needs, matched without allocating; "" for the rest.</summary>
        private static string Known(ref Utf8JsonReader reader)
        {
            Span<byte> unescaped = stackalloc byte[64];
            scoped ReadOnlySpan<byte> span = reader.ValueSpan;
            if (reader.ValueIsEscaped || reader.HasValueSequence)
            {
                span = reader.ValueSpan.Length <= unescaped.Length ? unescaped[..reader.CopyString(unescaped)] : [];
            }
            if (span.Length < Names.Length)
            {
                foreach (var (utf8, name) in Names[span.Length])
                {
                    if (span.SequenceEqual(utf8))
                    {
                        return name;
                    }
                }
            }
            return "";
        }

        /// <summary>The names this row reads, by their length in bytes.</summary>
        private static readonly (byte[] Utf8, string Name)[][] Names = BuildNames(
            "displayName", "id", "type", "userPrincipalName", "modifiedProperties", "oldValue", "newValue", "key", "value",
            "activityDateTime", "correlationId", "loggedByService", "category", "activityDisplayName", "result", "resultReason",
            "initiatedBy", "user", "app", "ipAddress", "homeTenantId", "homeTenantName", "servicePrincipalId",
            "servicePrincipalName", "targetResources", "additionalDetails");

        private static (byte[] Utf8, string Name)[][] BuildNames(params string[] names)
        {
            var byLength = new (byte[], string)[names.Max(n => n.Length) + 1][];
            for (var length = 0; length < byLength.Length; length++)
            {
                byLength[length] = [.. names.Where(n => n.Length == length).Select(n => (System.Text.Encoding.UTF8.GetBytes(n), n))];
            }
            return byLength;
        }

        private static bool IsArray(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                return true;
            }
            reader.Skip();
            return false;
        }

        private void Text(ref Utf8JsonReader reader, int cell)
        {
            // A missing or empty value leaves what is there: the user's display name wins over the app's, in either order.
            if (Copy(ref reader) is { Length: > 0 } value)
            {
                (_start[cell], _length[cell]) = value;
            }
        }

        private void Constant(int cell, ReadOnlySpan<byte> value)
        {
            Reserve(value.Length);
            value.CopyTo(_bytes.AsSpan(_used));
            (_start[cell], _length[cell]) = (_used, value.Length);
            _used += value.Length;
        }

        /// <summary>Copies a string value, unescaped, into the buffer; any other value is skipped and reads as empty.</summary>
        private (int Start, int Length) Copy(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
                return (0, 0);
            }
            Reserve(reader.ValueSpan.Length);
            var length = reader.CopyString(_bytes.AsSpan(_used));
            var start = _used;
            _used += length;
            return (start, length);
        }

        private void Reserve(int bytes)
        {
            if (_used + bytes > _bytes.Length)
            {
                System.Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + bytes));
            }
        }
    }
}
