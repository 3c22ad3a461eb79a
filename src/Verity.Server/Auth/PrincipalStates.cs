using System.Collections.Concurrent;
using System.Security.Claims;
using Verity.Core.Storage;
using Verity.Server.DirectoryObjects;

namespace Verity.Server.Auth;

/// <summary>What the directory says of a token's subject now: whether it may still sign in, and its roles.</summary>
internal sealed record PrincipalState(bool Exists, bool Enabled, long SessionVersion, IReadOnlySet<string> RoleIds, IReadOnlyList<string> AssignmentIds);

/// <summary>Why a valid token is refused: the account changed after the token was issued.</summary>
internal sealed record SessionRevoked(Guid TenantId, string Code, string Message);

/// <summary>
/// Continuous access evaluation: Verity issues the tokens and serves the API, so every request is checked against the
/// directory as it is now, as Entra does for critical events. A disabled or deleted account, a password reset or
/// change, and revoked sign-in sessions refuse the token on the next request; the caller's roles are the roles it
/// holds now, not the ones in its token. States are cached and dropped the moment this server commits a change to
/// the principal or its role assignments; changes made through another server count within <see cref="MaxAge"/>.
/// </summary>
internal sealed class PrincipalStates
{
    /// <summary>How long a state read from the store is trusted without a local change to drop it.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    /// <summary>The token claim that carries the subject's session version at issue (bumped by revocation).</summary>
    public const string SessionVersionClaim = "verity_sv";

    private const int Capacity = 50_000;
    private readonly IDirectoryStore _store;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(Guid Tenant, string Id), Entry> _entries = new();
    private readonly ConcurrentDictionary<(Guid Tenant, string AssignmentId), string> _principalOfAssignment = new();
    private long _generation;

    public PrincipalStates(IDirectoryStore store, ChangeWriter writer, TimeProvider time)
    {
        _store = store;
        _time = time;
        writer.Committed += Forget;
    }

    /// <summary>
    /// The principal as the directory holds it now, or why its token no longer counts. Roles in the returned
    /// principal are the current ones (<c>wids</c>), whatever the token said.
    /// </summary>
    public async Task<(ClaimsPrincipal? Principal, SessionRevoked? Revoked)> EvaluateAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue("tid"), out var tenantId) || principal.FindFirstValue("oid") is not { } oid)
        {
            return (principal, null);
        }
        var state = await GetAsync(tenantId, oid, ct);
        var isApp = principal.FindFirstValue("idtyp") == "app";
        if (!state.Exists)
        {
            return (null, new SessionRevoked(tenantId, isApp ? "ServicePrincipalDeleted" : "UserDeleted", isApp
                ? "The application's service principal was deleted after this token was issued."
                : "The user account was deleted after this token was issued."));
        }
        if (!state.Enabled)
        {
            return (null, new SessionRevoked(tenantId, isApp ? "ServicePrincipalDisabled" : "UserDisabled", isApp
                ? "The application's service principal was disabled after this token was issued."
                : "The user account was disabled after this token was issued."));
        }
        var issuedVersion = long.TryParse(principal.FindFirstValue(SessionVersionClaim), out var v) ? v : 0;
        if (issuedVersion < state.SessionVersion)
        {
            return (null, new SessionRevoked(tenantId, "TokenIssuedBeforeRevocationTimestamp",
                "The user's sign-in sessions were revoked (or the password was changed or reset) after this token was issued."));
        }
        var roles = isApp ? state.RoleIds : new HashSet<string>(state.RoleIds.Append(DirectoryRoles.DefaultUserRoleId), StringComparer.OrdinalIgnoreCase);
        return (WithRoles(principal, roles), null);
    }

    /// <summary>The token's principal with <c>wids</c> replaced by the current roles; the same instance when they agree.</summary>
    private static ClaimsPrincipal WithRoles(ClaimsPrincipal principal, IReadOnlySet<string> roles)
    {
        var held = principal.FindAll("wids").Select(c => c.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (held.SetEquals(roles))
        {
            return principal;
        }
        var identity = (ClaimsIdentity)principal.Identity!;
        var current = new ClaimsIdentity(identity.Claims.Where(c => c.Type != "wids"), identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType);
        current.AddClaims(roles.Select(r => new Claim("wids", r)));
        return new ClaimsPrincipal(current);
    }

    private async Task<PrincipalState> GetAsync(Guid tenantId, string id, CancellationToken ct)
    {
        var key = (tenantId, id);
        var now = _time.GetTimestamp();
        if (_entries.TryGetValue(key, out var held) && _time.GetElapsedTime(held.LoadedAt, now) < MaxAge)
        {
            return held.State;
        }
        var generation = Interlocked.Read(ref _generation);
        var state = await LoadAsync(tenantId, id, ct);
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
            _principalOfAssignment.Clear();
        }
        var entry = new Entry(state, now);
        _entries[key] = entry;
        foreach (var assignment in state.AssignmentIds)
        {
            _principalOfAssignment[(tenantId, assignment)] = id;
        }
        // A change committed while we read may have been dropped before we stored what we read: drop it again.
        if (Interlocked.Read(ref _generation) != generation)
        {
            _entries.TryRemove(new KeyValuePair<(Guid, string), Entry>(key, entry));
        }
        return state;
    }

    private async Task<PrincipalState> LoadAsync(Guid tenantId, string id, CancellationToken ct)
    {
        var o = await _store.GetObjectAsync(tenantId, id, ct);
        if (o is null || (o.Kind != Schemas.User.Kind && o.Kind != Schemas.ServicePrincipal.Kind))
        {
            return new PrincipalState(false, false, 0, new HashSet<string>(), []);
        }
        var assignments = await _store.ListObjectsByRefAsync(tenantId, Schemas.RoleAssignment.Kind, id, ct);
        return new PrincipalState(true, (bool?)o.Data["accountEnabled"] != false, SessionVersionOf(o),
            assignments.Select(a => (string)a.Data["roleDefinitionId"]!).ToHashSet(StringComparer.OrdinalIgnoreCase), [.. assignments.Select(a => a.Id)]);
    }

    public static long SessionVersionOf(StoredObject principal) => (long?)principal.Secrets["sessionVersion"] ?? 0;

    /// <summary>Drops the states a committed change may have altered: the objects it touched, and role holders.</summary>
    private void Forget(DirectoryChange change)
    {
        if (change.Ops.Count > 0)
        {
            // Bumped for every change, even one that drops nothing held: a read in flight may hold its old state.
            Interlocked.Increment(ref _generation);
        }
        foreach (var op in change.Ops)
        {
            switch (op)
            {
                case InsertObject { Object: { Kind: "roleAssignment", RefId: { } principal } }:
                    Drop(change.TenantId, principal);
                    break;
                case UpdateObject { Object: var o }:
                    Drop(change.TenantId, o.Id);
                    break;
                case DeleteObject(var id, _):
                    Drop(change.TenantId, id);
                    if (_principalOfAssignment.TryRemove((change.TenantId, id), out var holder))
                    {
                        Drop(change.TenantId, holder);
                    }
                    break;
                default:
                    break;
            }
        }
    }

    private void Drop(Guid tenantId, string id) => _entries.TryRemove((tenantId, id), out _);

    private sealed record Entry(PrincipalState State, long LoadedAt);
}
