using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.AuditLogs;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>Graph v1.0 users: create, read, list, update (incl. password reset), delete, change password.</summary>
internal static class UsersEndpoints
{
    private static readonly ObjectSchema Schema = Schemas.User;

    public static void MapUsers(this RouteGroupBuilder v1)
    {
        v1.MapGet("/users", List).Requires(Permission.ReadDirectory);
        v1.MapGet("/users/$count", Count).Requires(Permission.ReadDirectory);
        v1.MapPost("/users", Create).Requires(Permission.ManageUsers).Audited(Activities.AddUser, "User");
        v1.MapGet("/users/{id}", Get).Requires(Permission.ReadDirectory);
        v1.MapPatch("/users/{id}", Update).Requires(Permission.ManageUsers).Audited(Activities.UpdateUser, "User");
        v1.MapDelete("/users/{id}", Delete).Requires(Permission.ManageUsers).Audited(Activities.DeleteUser, "User");
        v1.MapPost("/users/{id}/changePassword", ChangePassword).RequiresSignIn().Audited(Activities.ChangeUserPassword, "User");
        v1.MapPost("/users/{id}/revokeSignInSessions", RevokeSignInSessions).RequiresSignIn().Audited(Activities.UpdateUser, "User");
        v1.MapGet("/me", Me).RequiresSignIn();
    }

    private static Task<IResult> List(HttpContext http, IDirectoryStore store) => DirectoryLists.ListAsync(http, store, Schema);

    private static Task<IResult> Count(HttpContext http, IDirectoryStore store) => DirectoryLists.CountAsync(http, store, Schema);

    private static async Task<IResult> Get(HttpContext http, IDirectoryStore store, string id)
    {
        var user = await store.GetOr404Async(http.Audit().TenantId, Schema, id, http.RequestAborted);
        return GraphResults.Entity(http.Request, "users", user.Data);
    }

    private static async Task<IResult> Me(HttpContext http, IDirectoryStore store)
    {
        var caller = http.Audit().Caller;
        if (caller.IsApp)
        {
            throw GraphException.BadRequest("/me is only valid with a delegated (user) token; this token belongs to an application.");
        }
        return await Get(http, store, caller.ObjectId);
    }

    private static async Task<IResult> Create(HttpContext http, IDirectoryStore store, ChangeWriter writer, PasswordHasher hasher)
    {
        var body = await GraphBody.ReadObjectAsync(http.Request);
        var data = await CreateAsync(http.Audit(), store, writer, hasher, body, http.RequestAborted);
        return GraphResults.Entity(http.Request, "users", data, 201);
    }

    /// <summary>Creates a user from a Graph request body (also used by bootstrap and the demo seed).</summary>
    internal static async Task<JsonObject> CreateAsync(AuditScope audit, IDirectoryStore store, ChangeWriter writer, PasswordHasher hasher, JsonObject body,
        CancellationToken ct)
    {
        audit.Targets = [new TargetResource { Type = "User", UserPrincipalName = body["userPrincipalName"] as JsonValue is { } v && v.TryGetValue<string>(out var s) ? s : null }];
        Schema.Validate(body, create: true);
        var tenant = await store.GetTenantAsync(audit.TenantId, ct);
        var upn = CheckUserPrincipalName((string)body["userPrincipalName"]!, tenant!);
        var password = ReadPasswordProfile(body["passwordProfile"]!.AsObject(), required: true)!;
        if (await store.FindObjectAsync(audit.TenantId, Schema.Kind, upn.ToLowerInvariant(), ct) is not null)
        {
            throw DuplicateUpn();
        }

        var id = DirectoryKit.NewObjectId();
        var data = new JsonObject
        {
            ["id"] = id,
            ["businessPhones"] = new JsonArray(),
            ["userType"] = "Member",
            ["createdDateTime"] = DirectoryKit.Timestamp(audit.Now()),
            ["assignedLicenses"] = new JsonArray(),
        };
        DirectoryKit.Apply(Schema, body, data);
        var user = new StoredObject
        {
            TenantId = audit.TenantId, Kind = Schema.Kind, Id = id, Data = data, LookupKey = upn.ToLowerInvariant(),
            Secrets = new JsonObject { ["passwordHash"] = hasher.HashPassword(password.Password!), ["forceChangePasswordNextSignIn"] = password.ForceChange },
        };
        var changes = DirectoryKit.Diff(null, data, DirectoryKit.StoredNames(Schema, body));
        await writer.CommitAsync(audit, [new InsertObject(user)],
            [audit.Entry(Activities.AddUser, [DirectoryKit.Target(Schema, user, changes)])],
            reason => [audit.Entry(Activities.AddUser, [DirectoryKit.Target(Schema, null, data)], AuditResult.Failure, DuplicateUpn().Message)],
            DuplicateUpn);
        return data;
    }

    private static async Task<IResult> Update(HttpContext http, IDirectoryStore store, ChangeWriter writer, PasswordHasher hasher, string id)
    {
        var audit = http.Audit();
        var body = await GraphBody.ReadObjectAsync(http.Request);
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var (user, held) = await store.GetForUpdateAsync(writer, audit.TenantId, Schema, id, http.RequestAborted);
            audit.Targets = [DirectoryKit.Target(Schema, user)];
            if (body.ContainsKey("passwordProfile") && !audit.Caller.Has(Permission.ResetPasswords))
            {
                throw GraphException.Forbidden("Resetting a password needs the User Administrator or Global Administrator role.");
            }
            await EnsureManageableAsync(store, audit, user, http.RequestAborted);
            Schema.Validate(body, create: false);
            var data = user.Data.DeepClone().AsObject();
            DirectoryKit.Apply(Schema, body, data);
            var lookupKey = user.LookupKey;
            if (body.ContainsKey("userPrincipalName"))
            {
                var tenant = await store.GetTenantAsync(audit.TenantId, http.RequestAborted);
                lookupKey = CheckUserPrincipalName((string)data["userPrincipalName"]!, tenant!).ToLowerInvariant();
                if (lookupKey != user.LookupKey && await store.FindObjectAsync(audit.TenantId, Schema.Kind, lookupKey, http.RequestAborted) is not null)
                {
                    throw DuplicateUpn();
                }
            }
            var secrets = user.Secrets.DeepClone().AsObject();
            var entries = new List<DirectoryAudit>();
            var changes = DirectoryKit.Diff(user.Data, data, DirectoryKit.StoredNames(Schema, body));
            if (changes.Count > 0)
            {
                entries.Add(audit.Entry(Activities.UpdateUser, [DirectoryKit.Target(Schema, user.Id, data, changes)]));
            }
            if (body["passwordProfile"] is JsonObject profile)
            {
                var reset = ReadPasswordProfile(profile, required: false)!;
                var resetChanges = new List<ModifiedProperty>();
                if (reset.Password is { } newPassword)
                {
                    secrets["passwordHash"] = hasher.HashPassword(newPassword);
                    RevokeSessions(data, secrets, audit.Now());
                    resetChanges.Add(new ModifiedProperty("Password", null, null));
                }
                var oldForce = (bool?)user.Secrets["forceChangePasswordNextSignIn"] ?? false;
                if (profile.ContainsKey("forceChangePasswordNextSignIn") && reset.ForceChange != oldForce)
                {
                    secrets["forceChangePasswordNextSignIn"] = reset.ForceChange;
                    resetChanges.Add(new ModifiedProperty("ForceChangePasswordNextSignIn", DirectoryKit.Encode(oldForce), DirectoryKit.Encode(reset.ForceChange)));
                }
                if (resetChanges.Count > 0)
                {
                    resetChanges.Add(DirectoryKit.Summary(resetChanges.Select(c => c.DisplayName)));
                    entries.Add(audit.Entry(Activities.ResetUserPassword, [DirectoryKit.Target(Schema, user.Id, data, resetChanges)]));
                }
            }
            if (entries.Count == 0)
            {
                writer.ConfirmNoChange(user, held);
                return Results.NoContent();
            }
            var updated = user with { Data = data, Secrets = secrets, LookupKey = lookupKey };
            await writer.CommitAsync(audit, [new UpdateObject(updated)], entries,
                reason => [audit.Entry(Activities.UpdateUser, [DirectoryKit.Target(Schema, user)], AuditResult.Failure, DuplicateUpn().Message)],
                DuplicateUpn);
            return Results.NoContent();
        });
    }

    private static async Task<IResult> Delete(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id)
    {
        var audit = http.Audit();
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var user = await store.GetOr404Async(audit.TenantId, Schema, id, http.RequestAborted);
            audit.Targets = [DirectoryKit.Target(Schema, user)];
            await EnsureManageableAsync(store, audit, user, http.RequestAborted);
            var (ops, entries) = await RolesEndpoints.RemoveAssignmentsOfAsync(store, audit, user, Schema, http.RequestAborted);
            ops.Insert(0, new DeleteObject(user.Id, user.Version));
            entries.Insert(0, audit.Entry(Activities.DeleteUser, [DirectoryKit.Target(Schema, user)]));
            await writer.CommitAsync(audit, ops, entries, _ => [], () => new GraphException(409, "Request_Conflict", "The user is being changed by another request."));
            return Results.NoContent();
        });
    }

    private static async Task<IResult> ChangePassword(HttpContext http, IDirectoryStore store, ChangeWriter writer, PasswordHasher hasher, string id)
    {
        var audit = http.Audit();
        var body = await GraphBody.ReadObjectAsync(http.Request);
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var user = await store.GetOr404Async(audit.TenantId, Schema, id, http.RequestAborted);
            audit.Targets = [DirectoryKit.Target(Schema, user)];
            if (audit.Caller.IsApp || audit.Caller.ObjectId != user.Id)
            {
                throw GraphException.Forbidden("changePassword is self-service: only the signed-in user may change their own password.");
            }
            foreach (var key in body.Select(p => p.Key).Where(k => k is not "currentPassword" and not "newPassword"))
            {
                throw GraphException.BadRequest($"Property '{key}' is not a parameter of changePassword. Parameters: currentPassword, newPassword.");
            }
            if (body["currentPassword"] is not JsonValue current || !current.TryGetValue<string>(out var currentPassword)
                || body["newPassword"] is not JsonValue next || !next.TryGetValue<string>(out var newPassword))
            {
                throw GraphException.BadRequest("changePassword needs currentPassword and newPassword, both strings.");
            }
            if (!PasswordHasher.VerifyPassword(currentPassword, (string?)user.Secrets["passwordHash"]))
            {
                throw GraphException.BadRequest("The current password is incorrect.", "Request_BadRequest");
            }
            CheckPolicy(newPassword);
            var secrets = user.Secrets.DeepClone().AsObject();
            secrets["passwordHash"] = hasher.HashPassword(newPassword);
            secrets["forceChangePasswordNextSignIn"] = false;
            var data = user.Data.DeepClone().AsObject();
            RevokeSessions(data, secrets, audit.Now());
            var changes = new List<ModifiedProperty> { new("Password", null, null) };
            changes.Add(DirectoryKit.Summary(["Password"]));
            await writer.CommitAsync(audit, [new UpdateObject(user with { Data = data, Secrets = secrets })],
                [audit.Entry(Activities.ChangeUserPassword, [DirectoryKit.Target(Schema, user.Id, user.Data, changes)])],
                _ => [], () => new GraphException(409, "Request_Conflict", "The user is being changed by another request."));
            return Results.NoContent();
        });
    }

    /// <summary>
    /// <c>POST /users/{id}/revokeSignInSessions</c>: every token and admin-center session issued to the user so far stops
    /// working on its next request. The user may revoke their own; anyone else needs to manage users. Entra audits it as
    /// "Update user" changing StsRefreshTokensValidFrom.
    /// </summary>
    private static async Task<IResult> RevokeSignInSessions(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id)
    {
        var audit = http.Audit();
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var user = await store.GetOr404Async(audit.TenantId, Schema, id, http.RequestAborted);
            audit.Targets = [DirectoryKit.Target(Schema, user)];
            if (audit.Caller.ObjectId != user.Id && !audit.Caller.Has(Permission.ManageUsers))
            {
                throw GraphException.Forbidden("Revoking another user's sessions needs the User Administrator or Global Administrator role.");
            }
            await EnsureManageableAsync(store, audit, user, http.RequestAborted);
            var data = user.Data.DeepClone().AsObject();
            var secrets = user.Secrets.DeepClone().AsObject();
            var old = (string?)user.Data["signInSessionsValidFromDateTime"];
            var now = RevokeSessions(data, secrets, audit.Now());
            List<ModifiedProperty> changes = [new("StsRefreshTokensValidFrom", DirectoryKit.Encode(old), DirectoryKit.Encode(now))];
            changes.Add(DirectoryKit.Summary(["StsRefreshTokensValidFrom"]));
            await writer.CommitAsync(audit, [new UpdateObject(user with { Data = data, Secrets = secrets })],
                [audit.Entry(Activities.UpdateUser, [DirectoryKit.Target(Schema, user.Id, data, changes)])],
                _ => [], () => new GraphException(409, "Request_Conflict", "The user is being changed by another request."));
            return Results.Json(new JsonObject { ["@odata.context"] = $"{GraphResults.MetadataUrl(http.Request)}#Edm.Boolean", ["value"] = true });
        });
    }

    /// <summary>
    /// Ends every session issued so far: the session version that tokens carry moves on (<see cref="PrincipalStates"/>
    /// refuses older ones), and Graph's <c>signInSessionsValidFromDateTime</c> says from when. Returns that time.
    /// </summary>
    private static string RevokeSessions(JsonObject data, JsonObject secrets, DateTimeOffset now)
    {
        secrets["sessionVersion"] = ((long?)secrets["sessionVersion"] ?? 0) + 1;
        var from = DirectoryKit.Timestamp(now);
        data["signInSessionsValidFromDateTime"] = from;
        return from;
    }

    /// <summary>
    /// A user who holds a directory role is changed, reset or deleted only by someone who may manage roles (a Global
    /// Administrator); otherwise a User Administrator could reset an administrator's password and become one.
    /// </summary>
    internal static async Task EnsureManageableAsync(IDirectoryStore store, AuditScope audit, StoredObject user, CancellationToken ct)
    {
        if (audit.Caller.Has(Permission.ManageRoles) || audit.Caller.ObjectId == user.Id)
        {
            return;
        }
        if ((await store.ListObjectsByRefAsync(audit.TenantId, Schemas.RoleAssignment.Kind, user.Id, ct)).Count > 0)
        {
            throw GraphException.Forbidden("This user holds a directory role; only a Global Administrator may change, reset or delete it.");
        }
    }

    private sealed record PasswordProfile(string? Password, bool ForceChange);

    private static PasswordProfile? ReadPasswordProfile(JsonObject profile, bool required)
    {
        string? password = null;
        var force = false;
        foreach (var (key, value) in profile)
        {
            switch (key)
            {
                case "password" when value is JsonValue v && v.TryGetValue<string>(out var p):
                    password = p;
                    break;
                case "forceChangePasswordNextSignIn" when value is JsonValue v && v.TryGetValue<bool>(out var f):
                    force = f;
                    break;
                case "forceChangePasswordNextSignInWithMfa" when value is JsonValue v && v.TryGetValue<bool>(out _):
                    break;
                case "@odata.type":
                    break;
                default:
                    throw GraphException.BadRequest($"Invalid passwordProfile property '{key}'. Accepted: password (string), forceChangePasswordNextSignIn (boolean).");
            }
        }
        if (password is null && required)
        {
            throw GraphException.BadRequest("passwordProfile.password is required when creating a user.");
        }
        if (password is not null)
        {
            CheckPolicy(password);
        }
        return new PasswordProfile(password, force);
    }

    private static void CheckPolicy(string password)
    {
        if (!Secrets.MeetsPolicy(password))
        {
            throw GraphException.BadRequest("The specified password does not comply with password complexity requirements: 8 to 256 characters "
                + "with three of lower case, upper case, digits and symbols.", "Request_BadRequest");
        }
    }

    private static string CheckUserPrincipalName(string upn, Tenant tenant)
    {
        var at = upn.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != upn.LastIndexOf('@') || upn.Any(char.IsWhiteSpace) || upn.Length > 113)
        {
            throw GraphException.BadRequest($"Property userPrincipalName '{upn}' is invalid: use alias@domain with no spaces.", "Request_BadRequest");
        }
        if (!string.Equals(upn[(at + 1)..], tenant.DefaultDomain, StringComparison.OrdinalIgnoreCase))
        {
            throw GraphException.BadRequest($"The domain portion of the userPrincipalName property is invalid. Use the verified domain of this tenant: {tenant.DefaultDomain}.",
                "Request_BadRequest");
        }
        return upn;
    }

    private static GraphException DuplicateUpn() =>
        GraphException.BadRequest("Another object with the same value for property userPrincipalName already exists.", "Request_BadRequest");
}
