namespace Verity.Core.Query;

public enum FieldType { String, Boolean, DateTime, StringCollection }

/// <summary>The <c>$filter</c> operations a property accepts. <c>not()</c> goes with <see cref="Ne"/>, as Graph documents.</summary>
[Flags]
public enum FieldOps
{
    None = 0,
    Eq = 1,
    Ne = 2,
    In = 4,
    Ge = 8,
    Le = 16,
    StartsWith = 32,
    EndsWith = 64,
    /// <summary><c>eq null</c> / <c>ne null</c>.</summary>
    Null = 128,
    /// <summary><c>collection/any(x: x eq 'v')</c>.</summary>
    Any = 256,
}

public enum Sorting { None, Default, Advanced }

/// <summary>
/// One property of a directory resource and what Graph documents for it: its <c>$filter</c> operations, whether it is
/// filterable only in advanced queries, whether <c>$orderby</c> takes it, and whether <c>$search</c> tokenizes it.
/// </summary>
public sealed record DirectoryField(string Name, FieldType Type, FieldOps Filter, bool AdvancedOnly = false, Sorting Sort = Sorting.None, bool Tokenized = false);

/// <summary>A directory resource's list options: its kind in storage, its Graph type and entity set, and its fields.</summary>
public sealed record DirectoryType(string Kind, string Name, string EntitySet, string Resource, IReadOnlyList<DirectoryField> Fields)
{
    public DirectoryField? Find(string name) => Fields.FirstOrDefault(f => f.Name == name);

    public IEnumerable<string> Filterable => Fields.Where(f => f.Filter != FieldOps.None).Select(f => f.Name);
}

/// <summary>
/// The allow-list of directory list options, from Graph's v1.0 resource pages and "Advanced query capabilities on
/// Microsoft Entra ID objects": every property a filter, sort or search may name. Properties with no operations are
/// declared (they are in <c>$metadata</c>) but refused in <c>$filter</c>.
/// </summary>
public static class DirectoryFields
{
    // ne and not, endsWith and null comparisons are advanced queries everywhere (ConsistencyLevel + $count).
    private const FieldOps Key = FieldOps.Eq | FieldOps.Ne | FieldOps.In;
    private const FieldOps Flag = FieldOps.Eq | FieldOps.Ne | FieldOps.In;
    private const FieldOps Code = FieldOps.Eq | FieldOps.Ne | FieldOps.In | FieldOps.Null;
    private const FieldOps Text = FieldOps.Eq | FieldOps.Ne | FieldOps.In | FieldOps.Ge | FieldOps.Le | FieldOps.StartsWith | FieldOps.Null;
    private const FieldOps Time = FieldOps.Eq | FieldOps.Ne | FieldOps.In | FieldOps.Ge | FieldOps.Le;

    private static DirectoryField S(string name, FieldOps ops = Text, bool advanced = false, Sorting sort = Sorting.None, bool tokenized = false) =>
        new(name, FieldType.String, ops, advanced, sort, tokenized);

    private static DirectoryField B(string name) => new(name, FieldType.Boolean, Flag);

    private static DirectoryField Created(bool advanced = false) => new("createdDateTime", FieldType.DateTime, Time, advanced, Sorting.Advanced);

    private static DirectoryField Strings(string name) => new(name, FieldType.StringCollection, FieldOps.Any);

    public static DirectoryType User { get; } = new("user", "user", "users", "User",
    [
        S("id", Key), B("accountEnabled"), S("displayName", sort: Sorting.Default, tokenized: true),
        S("userPrincipalName", (Text | FieldOps.EndsWith) & ~FieldOps.Null, sort: Sorting.Default), S("mail", Text | FieldOps.EndsWith),
        S("mailNickname"), S("givenName"), S("surname"), S("jobTitle"), S("department"), S("city"), S("country"),
        S("usageLocation", Text & ~FieldOps.Null), S("employeeId"), S("userType", Code),
        S("companyName", advanced: true), S("mobilePhone", advanced: true), S("officeLocation", advanced: true),
        S("preferredLanguage", advanced: true), Created(), Strings("businessPhones"),
    ]);

    public static DirectoryType Group { get; } = new("group", "group", "groups", "Group",
    [
        S("id", Key), S("displayName", sort: Sorting.Default, tokenized: true), S("description", Text & ~FieldOps.In, tokenized: true),
        S("mail"), S("mailNickname"), B("mailEnabled"), B("securityEnabled"), S("visibility", Code), Created(advanced: true),
        Strings("groupTypes"),
    ]);

    public static DirectoryType Application { get; } = new("application", "application", "applications", "Application",
    [
        S("id", Key), S("appId", Key), S("displayName", sort: Sorting.Advanced, tokenized: true),
        S("description", Text & ~FieldOps.In, tokenized: true), S("notes"), S("publisherDomain", Text & ~FieldOps.Null),
        S("signInAudience", Code), B("isFallbackPublicClient"), Created(), Strings("identifierUris"), Strings("tags"),
    ]);

    public static DirectoryType ServicePrincipal { get; } = new("servicePrincipal", "servicePrincipal", "servicePrincipals", "ServicePrincipal",
    [
        S("id", Key), S("appId", Key), S("displayName", sort: Sorting.Advanced, tokenized: true), S("appDisplayName"),
        S("description", Text & ~FieldOps.In, tokenized: true), S("notes"), S("homepage"), B("accountEnabled"),
        B("appRoleAssignmentRequired"), S("servicePrincipalType", Code), Created(advanced: true), Strings("servicePrincipalNames"),
        Strings("tags"),
    ]);

    public static IReadOnlyList<DirectoryType> All { get; } = [User, Group, Application, ServicePrincipal];

    /// <summary>The list options of a stored kind, or null when its collection takes only <c>$top</c> and <c>$skiptoken</c>.</summary>
    public static DirectoryType? For(string kind) => All.FirstOrDefault(t => t.Kind == kind);
}
