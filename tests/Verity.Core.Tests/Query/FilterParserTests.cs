using Verity.Core.Query;
using Verity.Core.Storage;

namespace Verity.Core.Tests.Query;

/// <summary>Filters the parser refuses, each with a message that says what was wrong (no database involved).</summary>
public sealed class FilterParserTests
{
    public static TheoryData<string, string> MalformedFilters => new()
    {
        { "", "Invalid $filter" },
        { "category", "single boolean" },
        { "category eq", "Invalid $filter" },
        { "category eq 'a", "Invalid $filter" },
        { "category eq 'a' and", "Invalid $filter" },
        { "(category eq 'a'", "Invalid $filter" },
        { "category == 'a'", "Invalid $filter" },
        { "category eq 'a' xor result eq 'success'", "Invalid $filter" },
        { "nosuchproperty eq 'a'", "Invalid $filter" },
        { "resultReason eq 'x'", "'resultReason' is not supported" },
        { "additionalDetails/any(d: d/key eq 'x')", "any() is supported on targetResources/any" },
        { "targetResources/all(t: t/id eq 'x')", "not supported" },
        { "targetResources/any(t: t/modifiedProperties/any(p: p/oldValue eq 'X'))", "modifiedProperties/oldValue is not supported" },
        { "targetResources/any(t: t/modifiedProperties/any(p: contains(p/displayName, 'X')))", "supports eq, in, startswith; 'contains' is not supported" },
        { "targetResources/any(t: t/modifiedProperties/any(p: t/id eq 'X'))", "targetResources/id is not supported here" },
        { "targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'X' and category eq 'Y'))", "is a property of the entry" },
        { "targetResources/any(t: t/modifiedProperties/all(p: p/displayName eq 'X'))", "all() is not supported" },
        { "targetResources/any(t: t/groupType eq 'azureAD')", "targetResources/groupType is not supported" },
        { "category gt 'A'", "category supports eq, ne, in" },
        { "startswith(category, 'User')", "category supports eq, ne, in" },
        { "contains(correlationId, 'a')", "correlationId supports eq, in" },
        { "startswith(activityDateTime, '2026')", "Invalid $filter" },
        { "activityDateTime ge 'yesterday'", "incompatible" },
        { "activityDateTime in (2026-03-01T00:00:00Z)", "activityDateTime supports" },
        { "id ne 'x'", "id supports eq, in" },
        { "length(category) eq 3", "Function 'length'" },
        { "tolower(category) eq 'a'", "Function 'tolower'" },
        { "endswith(category, 'x')", "Function 'endswith'" },
        { "category eq null", "null" },
        { "category eq 5", "incompatible types" },
        { "'UserManagement' eq category", "must be a property" },
        { "category eq category", "must be a literal" },
        { "startswith(activityDisplayName, '')", "non-empty" },
        { "startswith(activityDisplayName)", "Invalid $filter" },
        { "initiatedBy/user/ipAddress eq '1.2.3.4'", "not supported" },
        { "initiatedBy eq 'x'", "Invalid $filter" },
        { "targetResources eq 'x'", "Invalid $filter" },
        { "result eq 'maybe'", "Invalid $filter" },
        { "category in ()", "1 to 100 literals" },
        { "contains(targetResources/any(t: t/displayName eq 'x') eq true, 'x') eq false", "Invalid $filter" },
    };

    [Theory]
    [MemberData(nameof(MalformedFilters))]
    public void Malformed_or_unsupported_filters_are_refused_with_a_specific_message(string filter, string message)
    {
        var error = Assert.Throws<QueryException>(() => FilterParser.Parse(filter, DirectoryAuditsLog.Definition));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
