using System.Text;

namespace Verity.Server.Tests.Fuzz;

/// <summary>One write endpoint: method, path (with {id} filled in by the harness) and the properties its body takes.</summary>
internal sealed record WriteEndpoint(string Method, string Path, string[] Properties);

/// <summary>
/// Random request bodies for the write endpoints: plausible objects with the endpoint's own properties, unknown ones,
/// values of every JSON type (often the wrong one), deep nesting and long strings, then byte-level damage: invalid
/// UTF-8, escaped lone surrogates, NUL, duplicate keys, truncation, trailing garbage. One seed gives one sequence.
/// </summary>
internal sealed class BodyGrammar(int seed, string domain, IReadOnlyList<string> ids)
{
    private readonly Random _random = new(seed);

    public static readonly WriteEndpoint[] Endpoints =
    [
        new("POST", "/v1.0/users", ["accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile", "givenName", "surname", "jobTitle", "department", "usageLocation", "mail", "otherMails", "businessPhones"]),
        new("PATCH", "/v1.0/users/{user}", ["accountEnabled", "displayName", "userPrincipalName", "passwordProfile", "jobTitle", "department", "usageLocation", "otherMails"]),
        new("POST", "/v1.0/users/{user}/changePassword", ["currentPassword", "newPassword"]),
        new("POST", "/v1.0/users/{user}/assignLicense", ["addLicenses", "removeLicenses"]),
        new("POST", "/v1.0/groups", ["displayName", "mailNickname", "mailEnabled", "securityEnabled", "groupTypes", "description", "visibility"]),
        new("PATCH", "/v1.0/groups/{group}", ["displayName", "description", "mailNickname", "visibility"]),
        new("POST", "/v1.0/groups/{group}/members/$ref", ["@odata.id"]),
        new("POST", "/v1.0/groups/{group}/owners/$ref", ["@odata.id"]),
        new("POST", "/v1.0/groups/{group}/assignLicense", ["addLicenses", "removeLicenses"]),
        new("POST", "/v1.0/applications", ["displayName", "signInAudience", "web", "identifierUris", "notes", "tags"]),
        new("PATCH", "/v1.0/applications/{application}", ["displayName", "signInAudience", "web", "notes", "tags"]),
        new("POST", "/v1.0/applications/{application}/addPassword", ["passwordCredential"]),
        new("POST", "/v1.0/applications/{application}/removePassword", ["keyId"]),
        new("POST", "/v1.0/servicePrincipals", ["appId", "accountEnabled", "tags"]),
        new("PATCH", "/v1.0/servicePrincipals/{servicePrincipal}", ["accountEnabled", "tags", "notes", "displayName"]),
        new("POST", "/v1.0/roleManagement/directory/roleAssignments", ["principalId", "roleDefinitionId", "directoryScopeId"]),
    ];

    private static readonly string[] Unknown = ["id", "nope", "@odata.type", "createdDateTime", "Secrets", "__proto__", "", "displayName ", "DISPLAYNAME"];

    public (WriteEndpoint Endpoint, byte[] Body, string ContentType) Next()
    {
        var endpoint = Endpoints[_random.Next(Endpoints.Length)];
        var json = new StringBuilder();
        switch (_random.Next(12))
        {
            case 0:
                json.Append(Value(0));
                break;
            case 1:
                json.Append(Pick(["", " ", "null", "[]", "\"x\"", "{", "}", "{}", "{\"a\"}", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "{/*c*/}", "\ufeff{}"]));
                break;
            default:
                WriteObject(json, endpoint.Properties, 0);
                break;
        }
        var bytes = Damage(Encoding.UTF8.GetBytes(json.ToString()));
        var contentType = _random.Next(20) switch
        {
            0 => "text/plain",
            1 => "application/json; charset=latin1",
            2 => "application/x-www-form-urlencoded",
            _ => "application/json",
        };
        return (endpoint, bytes, contentType);
    }

    private void WriteObject(StringBuilder json, string[] properties, int depth)
    {
        json.Append('{');
        var names = properties.Where(_ => _random.Next(3) > 0).ToList();
        if (_random.Next(3) == 0)
        {
            names.Add(Pick(Unknown));
        }
        if (_random.Next(10) == 0 && names.Count > 0)
        {
            names.Add(names[0]); // a duplicate key
        }
        foreach (var name in names.OrderBy(_ => _random.Next()))
        {
            json.Append(Quote(name)).Append(':').Append(Property(name, depth)).Append(',');
        }
        if (json[^1] == ',')
        {
            json.Length--;
        }
        json.Append('}');
    }

    /// <summary>Usually a value of the property's own shape (so bodies get past the first checks), else anything.</summary>
    private string Property(string name, int depth)
    {
        if (_random.Next(3) == 0)
        {
            return Value(depth + 1);
        }
        return name switch
        {
            "accountEnabled" or "mailEnabled" or "securityEnabled" => Pick(["true", "false"]),
            "userPrincipalName" => Quote($"{Word()}@{(_random.Next(5) == 0 ? "elsewhere.test" : domain)}"),
            "passwordProfile" => $"{{\"password\":{Quote(Pick(["Str0ng-Password!", "short", "", Word()]))},\"forceChangePasswordNextSignIn\":{Pick(["true", "false", "1"])}}}",
            "@odata.id" => Quote($"https://graph.microsoft.com/v1.0/directoryObjects/{Pick(ids)}"),
            "principalId" or "keyId" or "appId" => Quote(Pick(ids)),
            "roleDefinitionId" => Quote(Pick(["62e90394-69f5-4237-9190-012177145e10", "fe930be7-5e62-47db-91af-98c3a49a38b1", "nope", Pick(ids)])),
            "addLicenses" => $"[{{\"skuId\":{Quote(Pick(["c42b9cae-ea4f-4ab7-9717-81576235ccac", "00000000-0000-0000-0000-000000000000", "x"]))},\"disabledPlans\":[]}}]",
            "removeLicenses" or "groupTypes" or "tags" or "identifierUris" or "otherMails" or "businessPhones" => $"[{Quote(Word())}]",
            "passwordCredential" => $"{{\"displayName\":{Quote(Word())},\"endDateTime\":{Quote(Pick(["2030-01-01T00:00:00Z", "yesterday", "1999-01-01T00:00:00Z"]))}}}",
            "web" => $"{{\"redirectUris\":[{Quote("https://" + Word() + ".test/cb")}]}}",
            _ => Quote(Word()),
        };
    }

    private string Value(int depth) => (depth > 6 ? _random.Next(6) : _random.Next(9)) switch
    {
        0 => Quote(Word()),
        1 => Pick(["0", "-1", "1.5", "1e400", "-0", "123456789012345678901234567890", "1E-400", "9007199254740993"]),
        2 => Pick(["true", "false", "null"]),
        3 => Quote(LongText()),
        4 => Quote(Pick(["\\u0000", "\\ud800x", "\\udc00", "\\ud800\\ud800", "\\uDFFF", "caf\\u00e9", "\\\"", "\\n\\t", "<script>", "=1+1", "'; drop table x; --"])),
        5 => $"[{string.Join(',', Enumerable.Range(0, _random.Next(4)).Select(_ => Value(depth + 1)))}]",
        6 => Nest(_random.Next(1, 45)),
        _ => $"{{\"a\":{Value(depth + 1)}}}",
    };

    private string Nest(int levels) => new string('[', levels) + new string(']', levels);

    private string Word()
    {
        var chars = new StringBuilder();
        for (var i = _random.Next(1, 12); i > 0; i--)
        {
            chars.Append(_random.Next(8) == 0 ? (char)_random.Next(0xA0, 0x2FFF) : (char)_random.Next('a', 'z' + 1));
        }
        return chars.ToString();
    }

    private string LongText() => new((char)_random.Next('a', 'z' + 1), _random.Next(2) == 0 ? 300 : _random.Next(1_000, 200_000));

    /// <summary>JSON string literal; the text is already free of quotes and backslashes except where escapes are meant.</summary>
    private static string Quote(string text) => "\"" + text.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>Byte-level damage on one body in three: what a broken client or an attacker sends.</summary>
    private byte[] Damage(byte[] body)
    {
        if (_random.Next(3) != 0 || body.Length == 0)
        {
            return body;
        }
        var bytes = body.ToList();
        var at = _random.Next(bytes.Count);
        switch (_random.Next(6))
        {
            case 0:
                bytes.InsertRange(at, Pick<byte[]>([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF0, 0x9F], [0xC0, 0xAF], [0x80]]));
                break;
            case 1:
                // Inside a string when we can find one: invalid UTF-8 where the walker has to read it.
                var quote = bytes.IndexOf((byte)'"', at);
                bytes.InsertRange(quote < 0 ? at : quote + 1, Pick<byte[]>([[0xFF, 0xFE], [0xED, 0xB0, 0x80], [0xC3]]));
                break;
            case 2:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 3:
                bytes.AddRange(Encoding.UTF8.GetBytes(Pick(["}", "garbage", "\u0000", ",{}", " \n"])));
                break;
            case 4:
                bytes.InsertRange(0, [0xEF, 0xBB, 0xBF]);
                break;
            default:
                bytes[at] = (byte)_random.Next(256);
                break;
        }
        return [.. bytes];
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    public static string Describe(byte[] body) =>
        body.Length > 300 ? $"{body.Length} bytes starting {Convert.ToHexString(body, 0, 150)}" : Convert.ToHexString(body) + " = " + Encoding.UTF8.GetString(body);
}
