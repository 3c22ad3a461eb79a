using System.Globalization;
using System.Text;

namespace Verity.Server.Tests.Fuzz;

/// <summary>
/// Random query strings for the audit log's list endpoints, drawn from OData's filter grammar: properties the log
/// knows and ones it does not, every operator and canonical function (with wrong arities too), literals of every
/// OData type, lambdas, and then character-level mutations of the result. One seed gives one sequence.
/// </summary>
internal sealed class FilterGrammar(int seed, IReadOnlyList<string> properties)
{
    private readonly Random _random = new(seed);

    /// <summary>Paths of directoryAudit, known and unknown.</summary>
    public static readonly string[] AuditProperties =
    [
        "id", "activityDateTime", "activityDisplayName", "category", "correlationId", "loggedByService", "operationType", "result",
        "resultReason", "initiatedBy", "initiatedBy/user", "initiatedBy/user/id", "initiatedBy/user/displayName",
        "initiatedBy/user/userPrincipalName", "initiatedBy/user/ipAddress", "initiatedBy/app/appId", "initiatedBy/app/displayName",
        "initiatedBy/app/servicePrincipalId", "initiatedBy/app", "targetResources", "additionalDetails", "nope", "initiatedBy/nope",
        "$it", "$it/category", "Category", "id/x", "targetResources/id", "microsoft.graph.directoryAudit/category",
    ];

    /// <summary>Paths of signIn, known and unknown (collections and complex values included).</summary>
    public static readonly string[] SignInProperties =
    [
        "id", "createdDateTime", "userId", "userDisplayName", "userPrincipalName", "appId", "appDisplayName", "ipAddress", "clientAppUsed",
        "correlationId", "conditionalAccessStatus", "riskDetail", "riskLevelAggregated", "riskState", "isInteractive", "status", "status/errorCode",
        "status/failureReason", "deviceDetail", "deviceDetail/browser", "deviceDetail/isCompliant", "location/city", "location/geoCoordinates/latitude",
        "signInEventTypes", "riskEventTypes_v2", "appliedConditionalAccessPolicies", "servicePrincipalId", "nope", "$it", "Status/ErrorCode",
    ];

    /// <summary>Properties of users, groups, applications and service principals, known and unknown.</summary>
    public static readonly string[] DirectoryProperties =
    [
        "id", "displayName", "userPrincipalName", "accountEnabled", "mail", "mailNickname", "givenName", "jobTitle", "createdDateTime",
        "businessPhones", "groupTypes", "securityEnabled", "appId", "tags", "identifierUris", "passwordProfile", "assignedLicenses",
        "signInSessionsValidFromDateTime", "manager", "memberOf", "nope", "DisplayName", "$it", "businessPhones/any(p:p eq '1')",
    ];

    private static readonly string[] TargetProperties =
    [
        "t/id", "t/displayName", "t/type", "t/userPrincipalName", "t/groupType", "t/modifiedProperties", "t/nope", "t", "p/displayName",
    ];

    private static readonly string[] PropertyProperties = ["p/displayName", "p/oldValue", "p/newValue", "p", "p/nope", "t/id"];

    private static readonly string[] Comparisons = ["eq", "ne", "gt", "ge", "lt", "le", "has", "add", "sub", "mul", "div", "mod", "divby", "EQ"];

    private static readonly string[] Functions =
    [
        "startswith", "contains", "endswith", "isof", "cast", "length", "tolower", "toupper", "trim", "concat", "indexof", "substring",
        "year", "month", "day", "hour", "date", "time", "now", "maxdatetime", "round", "floor", "matchesPattern", "fractionalseconds",
        "totaloffsetminutes", "geo.distance", "unknownfn",
    ];

    private static readonly string[] Literals =
    [
        "'UserManagement'", "'Add user'", "''", "'it''s'", "'ünïcødé ✓'", "'a%20b'", "'\\u0000'", "'%'", "'*'", "'_'", "'\\'",
        "'Core Directory'", "'success'", "'failure'", "null", "true", "false", "0", "-1", "42", "1.5", "-0", "1e309", "NaN", "INF", "-INF",
        "12345678901234567890123", "2025-01-01", "2025-13-45", "0001-01-01", "9999-12-31", "2025-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z", "2025-01-01T00:00:00+14:00", "2025-01-01T25:00:00Z", "00000000-0000-0000-0000-000000000000",
        "d3c4b4a1-1111-2222-3333-444455556666", "microsoft.graph.operationResult'failure'", "microsoft.graph.operationResult'nope'",
        "operationResult'success'", "X'ABCD'", "binary'AQID'", "duration'P1D'", "duration'nonsense'", "geography'POINT(1 2)'", "12:30:00",
        "['a','b']", "[1,2]", "{\"a\":1}", "$it", "$root", "@p1", "'" + new string('x', 300) + "'",
        "Edm.String", "Edm.Int32", "Edm.Boolean", "'Edm.String'", "microsoft.graph.directoryAudit", "microsoft.graph.targetResource",
        "microsoft.graph.auditActivityInitiator", "microsoft.graph.nope", "Nope.Type",
    ];

    /// <summary>A query string (without the leading '?') for one request.</summary>
    public string NextQuery()
    {
        var options = new List<string>();
        if (_random.Next(10) < 9)
        {
            var filter = Expression(0);
            if (_random.Next(4) == 0)
            {
                filter = Mutate(filter);
            }
            options.Add("$filter=" + Encode(filter));
        }
        if (_random.Next(4) == 0)
        {
            options.Add("$orderby=" + Encode(Pick(["activityDateTime desc", "activityDateTime asc", "activityDateTime", "category", "id desc",
                "activityDateTime sideways", "", ",", "activityDateTime desc,id"])));
        }
        if (_random.Next(4) == 0)
        {
            options.Add("$top=" + Encode(Pick(["1", "5", "1000", "1001", "0", "-1", "abc", "99999999999", " 5", "5.0", ""])));
        }
        if (_random.Next(6) == 0)
        {
            options.Add("$count=" + Pick(["true", "false", "yes", "", "TRUE"]));
        }
        if (_random.Next(6) == 0)
        {
            options.Add("$select=" + Encode(Pick(["id,category", "category", "nope", "", ",", "id,,result", "initiatedBy/user", "*"])));
        }
        if (_random.Next(8) == 0)
        {
            options.Add("$skiptoken=" + Encode(Pick(["abc", "", "AAAA", "!!!", "eyJ9", new string('A', 2000), "%00"])));
        }
        if (_random.Next(8) == 0)
        {
            options.Add("$search=" + Encode(Pick(["\"displayName:ad\"", "\"displayName:\"", "displayName:ad", "\"nope:x\"", "\"mail:a\" OR \"displayName:b\"",
                "(\"displayName:a\" AND", "\"\"", "\"displayName:" + new string('z', 200) + "\"", "\"description:x\" NOT", "\"displayName:\\\"\""])));
        }
        if (_random.Next(12) == 0)
        {
            options.Add(Pick(["$expand=x", "$search=x", "$skip=5", "$apply=x", "$format=json", "foo=bar", "$filter=", "$Filter=x"]));
        }
        if (_random.Next(15) == 0)
        {
            // Raw bytes no client would send: invalid UTF-8, an encoded surrogate, NUL, a stray percent.
            options.Add("$filter=" + Pick(["%FF", "%C3%28", "%ED%A0%80", "category%20eq%20%27%00%27", "%", "%E2%82", "category eq '%F0%9F'"]));
        }
        return string.Join('&', options.OrderBy(_ => _random.Next()));
    }

    private string Expression(int depth) => (depth > 3 ? _random.Next(5) : _random.Next(11)) switch
    {
        0 or 1 => $"{EntryProperty()} {Pick(Comparisons)} {Literal()}",
        2 or 3 => $"{Pick(Functions)}({Arguments(EntryProperty)})",
        4 => $"{Pick(Functions)}({Arguments(EntryProperty)}) {Pick(Comparisons)} {Literal()}",
        5 => $"{EntryProperty()} in ({string.Join(", ", Enumerable.Range(0, _random.Next(4)).Select(_ => Literal()))})",
        6 => $"{Expression(depth + 1)} {Pick(["and", "or", "AND", "xor"])} {Expression(depth + 1)}",
        7 => $"not {Pick(["", "(" + Expression(depth + 1) + ")", Expression(depth + 1)])}",
        8 => $"({Expression(depth + 1)})",
        9 => $"{Pick(["targetResources", "additionalDetails", "initiatedBy", "targetResources/modifiedProperties", "category"])}/{Pick(["any", "all", "count", "any()"])}({Pick(["t", "p", "x", ""])}: {TargetExpression(depth + 1)})",
        _ => Pick(["", " ", "(", ")", "()", "eq", "'unclosed", "category eq", "eq 'x'", "true", "null", "1 eq 1", "category eq category",
            "'a' eq category", "category eq 'a' and", "$filter", "@p1 eq 1", "category eq @p1"]),
    };

    private string TargetExpression(int depth) => _random.Next(6) switch
    {
        0 or 1 => $"{Pick(TargetProperties)} {Pick(Comparisons)} {Literal()}",
        2 => $"{Pick(Functions)}({Arguments(() => Pick(TargetProperties))})",
        3 => $"t/modifiedProperties/{Pick(["any", "all"])}(p: {Pick(PropertyProperties)} {Pick(Comparisons)} {Literal()})",
        4 => $"{TargetExpression(depth + 1)} {Pick(["and", "or"])} {TargetExpression(depth + 1)}",
        _ => depth > 5 ? "t/id eq 'x'" : Expression(depth + 1),
    };

    private string Arguments(Func<string> property) => _random.Next(7) switch
    {
        0 => "",
        1 => property(),
        2 or 3 => $"{property()}, {Literal()}",
        4 => $"{Literal()}, {property()}",
        5 => Literal(),
        _ => $"{property()}, {Literal()}, {Literal()}",
    };

    private string EntryProperty() => _random.Next(12) == 0 ? Pick(TargetProperties) : Pick(properties);

    private string Literal() => _random.Next(12) == 0 ? RandomText() : Pick(Literals);

    private string RandomText()
    {
        var text = new StringBuilder("'");
        for (var i = _random.Next(12); i > 0; i--)
        {
            text.Append(_random.Next(5) == 0 ? (char)_random.Next(0x20, 0x3000) : (char)_random.Next(0x20, 0x7F));
        }
        return text.Append('\'').ToString().Replace("''", "'", StringComparison.Ordinal);
    }

    /// <summary>Character-level damage: deletions, insertions of OData punctuation, truncation, duplication.</summary>
    private string Mutate(string text)
    {
        var chars = new StringBuilder(text);
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            var at = chars.Length == 0 ? 0 : _random.Next(chars.Length);
            switch (_random.Next(5))
            {
                case 0 when chars.Length > 0:
                    chars.Remove(at, 1);
                    break;
                case 1:
                    chars.Insert(at, Pick(["(", ")", "'", "/", ",", ":", "$", " ", "\"", "\\", "%", "&", "=", "\u00e9", "\ud83d\ude00"]));
                    break;
                case 2:
                    chars.Length = at;
                    break;
                case 3:
                    chars.Insert(at, chars.ToString(0, Math.Min(chars.Length - at, 20)));
                    break;
                default:
                    chars.Insert(at, (char)_random.Next(0x20, 0x7F));
                    break;
            }
        }
        return chars.ToString();
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static string Encode(string text) => Uri.EscapeDataString(text).Replace("%24", "$", StringComparison.Ordinal);

    public static int SeedFromEnvironment(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("VERITY_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : fallback;
}
