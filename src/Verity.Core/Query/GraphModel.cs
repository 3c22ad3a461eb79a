using Microsoft.OData.Edm;

namespace Verity.Core.Query;

/// <summary>
/// The EDM model of the Graph types the log and directory APIs serve (namespace <c>microsoft.graph</c>), as in Graph's
/// CSDL. It drives <c>$filter</c> and <c>$orderby</c> parsing and is what <c>GET /v1.0/$metadata</c> returns. Directory
/// types declare the properties of <see cref="DirectoryFields"/>.
/// </summary>
public static class GraphModel
{
    public const string Namespace = "microsoft.graph";

    public static IEdmModel Model { get; } = Build();

    public static IEdmEntityType DirectoryAudit { get; } = (IEdmEntityType)Model.FindDeclaredType($"{Namespace}.directoryAudit");

    /// <summary>The entity type of a log's entries.</summary>
    public static IEdmEntityType Entity(Storage.LogDefinition log) => (IEdmEntityType)Model.FindDeclaredType($"{Namespace}.{log.EntityType}");

    public static IEdmEntityType Entity(DirectoryType type) => (IEdmEntityType)Model.FindDeclaredType($"{Namespace}.{type.Name}");

    private static EdmModel Build()
    {
        var model = new EdmModel();
        var result = new EdmEnumType(Namespace, "operationResult");
        foreach (var (name, value) in new[] { ("success", 0L), ("failure", 1L), ("timeout", 2L), ("unknownFutureValue", 3L) })
        {
            result.AddMember(name, new EdmEnumMemberValue(value));
        }
        model.AddElement(result);

        var keyValue = Complex(model, "keyValue", "key", "value");
        var userIdentity = Complex(model, "userIdentity", "id", "displayName", "userPrincipalName", "ipAddress");
        var appIdentity = Complex(model, "appIdentity", "appId", "displayName", "servicePrincipalId", "servicePrincipalName");
        var initiator = new EdmComplexType(Namespace, "auditActivityInitiator");
        initiator.AddStructuralProperty("user", new EdmComplexTypeReference(userIdentity, true));
        initiator.AddStructuralProperty("app", new EdmComplexTypeReference(appIdentity, true));
        model.AddElement(initiator);
        var modifiedProperty = Complex(model, "modifiedProperty", "displayName", "oldValue", "newValue");
        var target = Complex(model, "targetResource", "id", "displayName", "type", "userPrincipalName", "groupType");
        target.AddStructuralProperty("modifiedProperties", Collection(modifiedProperty));

        var directoryAudit = new EdmEntityType(Namespace, "directoryAudit");
        directoryAudit.AddKeys(directoryAudit.AddStructuralProperty("id", EdmPrimitiveTypeKind.String, false));
        directoryAudit.AddStructuralProperty("activityDateTime", EdmPrimitiveTypeKind.DateTimeOffset, false);
        directoryAudit.AddStructuralProperty("activityDisplayName", EdmPrimitiveTypeKind.String, false);
        directoryAudit.AddStructuralProperty("additionalDetails", Collection(keyValue));
        directoryAudit.AddStructuralProperty("category", EdmPrimitiveTypeKind.String, false);
        directoryAudit.AddStructuralProperty("correlationId", EdmPrimitiveTypeKind.String, true);
        directoryAudit.AddStructuralProperty("initiatedBy", new EdmComplexTypeReference(initiator, false));
        directoryAudit.AddStructuralProperty("loggedByService", EdmPrimitiveTypeKind.String, true);
        directoryAudit.AddStructuralProperty("operationType", EdmPrimitiveTypeKind.String, true);
        directoryAudit.AddStructuralProperty("result", new EdmEnumTypeReference(result, true));
        directoryAudit.AddStructuralProperty("resultReason", EdmPrimitiveTypeKind.String, true);
        directoryAudit.AddStructuralProperty("targetResources", Collection(target));
        model.AddElement(directoryAudit);

        var signIn = SignIn(model);

        var container = new EdmEntityContainer(Namespace, "GraphService");
        container.AddEntitySet("directoryAudits", directoryAudit);
        container.AddEntitySet("signIns", signIn);
        foreach (var type in DirectoryFields.All)
        {
            container.AddEntitySet(type.EntitySet, DirectoryEntity(model, type));
        }
        model.AddElement(container);
        return model;
    }

    /// <summary>v1.0's <c>signIn</c> (enumerations as strings, which filters compare the same way) and beta's <c>signInEventTypes</c>.</summary>
    private static EdmEntityType SignIn(EdmModel model)
    {
        var status = Complex(model, "signInStatus", "failureReason", "additionalDetails");
        status.AddStructuralProperty("errorCode", EdmPrimitiveTypeKind.Int32, true);
        var device = Complex(model, "deviceDetail", "deviceId", "displayName", "operatingSystem", "browser", "trustType");
        device.AddStructuralProperty("isCompliant", EdmPrimitiveTypeKind.Boolean, true);
        device.AddStructuralProperty("isManaged", EdmPrimitiveTypeKind.Boolean, true);
        var coordinates = new EdmComplexType(Namespace, "geoCoordinates");
        foreach (var name in new[] { "altitude", "latitude", "longitude" })
        {
            coordinates.AddStructuralProperty(name, EdmPrimitiveTypeKind.Double, true);
        }
        model.AddElement(coordinates);
        var location = Complex(model, "signInLocation", "city", "state", "countryOrRegion");
        location.AddStructuralProperty("geoCoordinates", new EdmComplexTypeReference(coordinates, true));
        var policy = Complex(model, "appliedConditionalAccessPolicy", "id", "displayName", "result");
        policy.AddStructuralProperty("enforcedGrantControls", Strings());
        policy.AddStructuralProperty("enforcedSessionControls", Strings());

        var signIn = new EdmEntityType(Namespace, "signIn");
        signIn.AddKeys(signIn.AddStructuralProperty("id", EdmPrimitiveTypeKind.String, false));
        signIn.AddStructuralProperty("createdDateTime", EdmPrimitiveTypeKind.DateTimeOffset, false);
        foreach (var name in new[] { "userDisplayName", "userPrincipalName", "userId", "appId", "appDisplayName", "ipAddress", "clientAppUsed", "correlationId",
            "conditionalAccessStatus", "riskDetail", "riskLevelAggregated", "riskLevelDuringSignIn", "riskState", "resourceDisplayName", "resourceId",
            "resourceTenantId", "homeTenantId", "servicePrincipalId", "servicePrincipalName", "userAgent" })
        {
            signIn.AddStructuralProperty(name, EdmPrimitiveTypeKind.String, true);
        }
        signIn.AddStructuralProperty("isInteractive", EdmPrimitiveTypeKind.Boolean, true);
        signIn.AddStructuralProperty("riskEventTypes", Strings());
        signIn.AddStructuralProperty("riskEventTypes_v2", Strings());
        signIn.AddStructuralProperty("signInEventTypes", Strings());
        signIn.AddStructuralProperty("status", new EdmComplexTypeReference(status, true));
        signIn.AddStructuralProperty("deviceDetail", new EdmComplexTypeReference(device, true));
        signIn.AddStructuralProperty("location", new EdmComplexTypeReference(location, true));
        signIn.AddStructuralProperty("appliedConditionalAccessPolicies", Collection(policy));
        model.AddElement(signIn);
        return signIn;
    }

    private static EdmCollectionTypeReference Strings() => new(new EdmCollectionType(EdmCoreModel.Instance.GetString(true)));

    private static EdmEntityType DirectoryEntity(EdmModel model, DirectoryType type)
    {
        var entity = new EdmEntityType(Namespace, type.Name);
        foreach (var field in type.Fields)
        {
            var property = field.Type switch
            {
                FieldType.Boolean => entity.AddStructuralProperty(field.Name, EdmPrimitiveTypeKind.Boolean, true),
                FieldType.DateTime => entity.AddStructuralProperty(field.Name, EdmPrimitiveTypeKind.DateTimeOffset, true),
                FieldType.StringCollection => entity.AddStructuralProperty(field.Name,
                    new EdmCollectionTypeReference(new EdmCollectionType(EdmCoreModel.Instance.GetString(true)))),
                _ => entity.AddStructuralProperty(field.Name, EdmPrimitiveTypeKind.String, field.Name != "id"),
            };
            if (field.Name == "id")
            {
                entity.AddKeys(property);
            }
        }
        model.AddElement(entity);
        return entity;
    }

    private static EdmComplexType Complex(EdmModel model, string name, params string[] stringProperties)
    {
        var type = new EdmComplexType(Namespace, name, baseType: null, isAbstract: false, isOpen: name == "userIdentity");
        foreach (var property in stringProperties)
        {
            type.AddStructuralProperty(property, EdmPrimitiveTypeKind.String, true);
        }
        model.AddElement(type);
        return type;
    }

    private static EdmCollectionTypeReference Collection(IEdmComplexType element) =>
        new(new EdmCollectionType(new EdmComplexTypeReference(element, true)));
}
