using System.Text;
using System.Text.Json;
using Verity.Core.Model;

namespace Verity.Core.Tests.Model;

public sealed class SignInJsonTests
{
    // The v1.0 signIn properties and their JSON kinds: the property list of Microsoft.Graph 6.10.0's SignIn model
    // (generated from the v1.0 CSDL), in the order SignInJson writes them. "String?" may be a string or null.
    private static readonly (string Name, string Kind)[] V1Properties =
    [
        ("id", "String"), ("createdDateTime", "String"), ("userDisplayName", "String?"), ("userPrincipalName", "String?"),
        ("userId", "String"), ("appId", "String?"), ("appDisplayName", "String?"), ("ipAddress", "String?"),
        ("clientAppUsed", "String?"), ("userAgent", "String?"), ("correlationId", "String?"),
        ("conditionalAccessStatus", "String"), ("isInteractive", "Boolean"), ("riskDetail", "String"),
        ("riskLevelAggregated", "String"), ("riskLevelDuringSignIn", "String"), ("riskState", "String"),
        ("riskEventTypes", "Array"), ("riskEventTypes_v2", "Array"), ("resourceDisplayName", "String?"),
        ("resourceId", "String?"), ("resourceTenantId", "String?"), ("homeTenantId", "String?"),
        ("servicePrincipalId", "String?"), ("servicePrincipalName", "String?"), ("status", "Object"),
        ("deviceDetail", "Object"), ("location", "Object"), ("appliedConditionalAccessPolicies", "Array"),
        ("authenticationAppDeviceDetails", "Object?"),
    ];

    // Reference §3.2's example item, property by property (its numbers as Graph's v1.0 doc example prints them).
    private const string ExampleJson = """
        {
          "id": "66ea54eb-6301-4ee5-be62-ff5a759b0100",
          "createdDateTime": "2025-03-13T19:15:41.6195833Z",
          "userDisplayName": "Test User", "userPrincipalName": "test@contoso.example",
          "userId": "26be570a-ae82-4189-b4e2-a37c6808512d",
          "appId": "de8bc8b5-d9f9-48b1-a8ad-b748da725064", "appDisplayName": "Graph Explorer",
          "ipAddress": "203.0.113.37", "clientAppUsed": "Browser",
          "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
          "correlationId": "d79f5bee-5860-4832-928f-3133e22ae912",
          "conditionalAccessStatus": "notApplied", "isInteractive": true,
          "riskDetail": "none", "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none",
          "riskState": "none", "riskEventTypes": [], "riskEventTypes_v2": [],
          "resourceDisplayName": "Microsoft Graph", "resourceId": "00000003-0000-0000-c000-000000000000",
          "resourceTenantId": "0b4e4c6a-5f33-4a7e-9d1c-3f0e2a7c1d55", "homeTenantId": "0b4e4c6a-5f33-4a7e-9d1c-3f0e2a7c1d55",
          "servicePrincipalId": "7e6a1c2d-4b3f-4d8e-9a0b-1c2d3e4f5a6b", "servicePrincipalName": null,
          "status": { "errorCode": 0, "failureReason": null, "additionalDetails": null },
          "deviceDetail": { "deviceId": "", "displayName": null, "operatingSystem": "Windows 10",
                            "browser": "Edge 120.0.0", "isCompliant": null, "isManaged": null, "trustType": null },
          "location": { "city": "Redmond", "state": "Washington", "countryOrRegion": "US",
                        "geoCoordinates": { "altitude": null, "latitude": 47.68050003051758, "longitude": -122.12094116210938 } },
          "appliedConditionalAccessPolicies": [
            { "id": "de7e60eb-ed89-4d73-8205-2227def6b7c9", "displayName": "Require MFA for admins",
              "enforcedGrantControls": [], "enforcedSessionControls": [], "result": "notEnabled" }
          ],
          "authenticationAppDeviceDetails": null
        }
        """;

    private static SignIn Example() => new()
    {
        Id = "66ea54eb-6301-4ee5-be62-ff5a759b0100",
        CreatedDateTime = new DateTimeOffset(2025, 3, 13, 19, 15, 41, TimeSpan.Zero).AddTicks(6_195_833),
        UserDisplayName = "Test User",
        UserPrincipalName = "test@contoso.example",
        UserId = "26be570a-ae82-4189-b4e2-a37c6808512d",
        AppId = "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
        AppDisplayName = "Graph Explorer",
        IpAddress = "203.0.113.37",
        ClientAppUsed = SignInClientApps.Browser,
        UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
            + "Safari/537.36 Edg/120.0.0.0",
        CorrelationId = "d79f5bee-5860-4832-928f-3133e22ae912",
        IsInteractive = true,
        SignInEventTypes = [SignInEventType.InteractiveUser],
        RiskDetail = RiskDetail.None,
        RiskLevelAggregated = RiskLevel.None,
        RiskLevelDuringSignIn = RiskLevel.None,
        ResourceDisplayName = "Microsoft Graph",
        ResourceId = "00000003-0000-0000-c000-000000000000",
        ResourceTenantId = "0b4e4c6a-5f33-4a7e-9d1c-3f0e2a7c1d55",
        HomeTenantId = "0b4e4c6a-5f33-4a7e-9d1c-3f0e2a7c1d55",
        ServicePrincipalId = "7e6a1c2d-4b3f-4d8e-9a0b-1c2d3e4f5a6b",
        Status = SignInErrorCodes.Status(SignInErrorCodes.Success),
        DeviceDetail = new DeviceDetail { OperatingSystem = "Windows 10", Browser = "Edge 120.0.0" },
        Location = new SignInLocation("Redmond", "Washington", "US", new GeoCoordinates(null, 47.68050003051758, -122.12094116210938)),
        AppliedConditionalAccessPolicies =
        [
            new AppliedConditionalAccessPolicy
            {
                Id = "de7e60eb-ed89-4d73-8205-2227def6b7c9",
                DisplayName = "Require MFA for admins",
                Result = AppliedConditionalAccessPolicyResult.NotEnabled,
            },
        ],
    };

    private static SignIn Minimal() => new()
    {
        Id = "b3f6a2c1-7d4e-4f8a-9c2b-5e1d3a7f0c00",
        CreatedDateTime = new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero),
        IsInteractive = false,
        SignInEventTypes = [SignInEventType.ServicePrincipal],
        Status = SignInErrorCodes.Status(SignInErrorCodes.InvalidClientSecret),
    };

    private static string Compact(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            doc.WriteTo(w);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void The_reference_example_is_written_byte_for_byte()
    {
        var json = Encoding.UTF8.GetString(SignInJson.ToUtf8(Example()));

        Assert.Equal(Compact(ExampleJson), json);
    }

    [Fact]
    public void Every_v1_property_is_present_in_order_with_its_Graph_type()
    {
        foreach (var signIn in new[] { Example(), Minimal() })
        {
            using var doc = JsonDocument.Parse(SignInJson.ToUtf8(signIn));

            var properties = doc.RootElement.EnumerateObject().ToList();

            Assert.Equal(V1Properties.Select(p => p.Name), properties.Select(p => p.Name));
            foreach (var (property, (_, kind)) in properties.Zip(V1Properties))
            {
                var actual = property.Value.ValueKind;
                var allowed = kind switch
                {
                    "String" => actual == JsonValueKind.String,
                    "String?" => actual is JsonValueKind.String or JsonValueKind.Null,
                    "Boolean" => actual is JsonValueKind.True or JsonValueKind.False,
                    "Array" => actual == JsonValueKind.Array,
                    "Object" => actual == JsonValueKind.Object,
                    "Object?" => actual is JsonValueKind.Object or JsonValueKind.Null,
                    _ => false,
                };
                Assert.True(allowed, $"{property.Name} is {actual}, expected {kind}");
            }
        }
    }

    [Fact]
    public void The_reference_example_order_is_kept()
    {
        using var example = JsonDocument.Parse(ExampleJson);
        string[] inReference =
        [
            "id", "createdDateTime", "userDisplayName", "userPrincipalName", "userId", "appId", "appDisplayName",
            "ipAddress", "clientAppUsed", "correlationId", "conditionalAccessStatus", "isInteractive", "riskDetail",
            "riskLevelAggregated", "riskLevelDuringSignIn", "riskState", "riskEventTypes", "riskEventTypes_v2",
            "resourceDisplayName", "resourceId", "status", "deviceDetail", "location", "appliedConditionalAccessPolicies",
        ];

        var written = V1Properties.Select(p => p.Name).Where(inReference.Contains);

        Assert.Equal(inReference, written);
    }

    [Fact]
    public void Defaults_are_what_Entra_writes_for_a_tenant_without_the_features()
    {
        using var doc = JsonDocument.Parse(SignInJson.ToUtf8(Minimal()));
        var root = doc.RootElement;

        Assert.Equal("notApplied", root.GetProperty("conditionalAccessStatus").GetString());
        Assert.Equal("hidden", root.GetProperty("riskDetail").GetString());
        Assert.Equal("hidden", root.GetProperty("riskLevelAggregated").GetString());
        Assert.Equal("hidden", root.GetProperty("riskLevelDuringSignIn").GetString());
        Assert.Equal("none", root.GetProperty("riskState").GetString());
        Assert.Equal("", root.GetProperty("userId").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("userPrincipalName").ValueKind);
        Assert.Equal("""{"errorCode":7000215,"failureReason":"Invalid client secret provided.","additionalDetails":null}""",
            root.GetProperty("status").GetRawText());
        Assert.Equal("""{"deviceId":"","displayName":null,"operatingSystem":null,"browser":null,"isCompliant":null,"isManaged":null,"trustType":null}""",
            root.GetProperty("deviceDetail").GetRawText());
        Assert.Equal("""{"city":null,"state":null,"countryOrRegion":null,"geoCoordinates":{"altitude":null,"latitude":null,"longitude":null}}""",
            root.GetProperty("location").GetRawText());
        foreach (var empty in new[] { "riskEventTypes", "riskEventTypes_v2", "appliedConditionalAccessPolicies" })
        {
            Assert.Equal(0, root.GetProperty(empty).GetArrayLength());
        }
        Assert.Equal(JsonValueKind.Null, root.GetProperty("authenticationAppDeviceDetails").ValueKind);
    }

    [Fact]
    public void The_user_principal_name_is_logged_lower_case()
    {
        var signIn = Minimal() with { UserPrincipalName = "Ada.Lovelace@Contoso.Example" };

        Assert.Equal("ada.lovelace@contoso.example", signIn.UserPrincipalName);
    }

    [Fact]
    public void Timestamps_are_UTC_with_seven_fractional_digits()
    {
        var signIn = Minimal() with { CreatedDateTime = new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.FromHours(2)).AddTicks(5) };

        using var doc = JsonDocument.Parse(SignInJson.ToUtf8(signIn));

        Assert.Equal("2026-05-01T08:00:00.0000005Z", doc.RootElement.GetProperty("createdDateTime").GetString());
    }

    [Fact]
    public void Strings_are_escaped_as_in_directory_audits()
    {
        var signIn = Minimal() with { UserDisplayName = "Zoë <script>\"&'", UserAgent = "a\u2028b" };

        var json = Encoding.UTF8.GetString(SignInJson.ToUtf8(signIn));

        Assert.Contains("\"userDisplayName\":\"Zo\\u00EB \\u003Cscript\\u003E\\u0022\\u0026\\u0027\"", json, StringComparison.Ordinal);
        Assert.Contains("\"userAgent\":\"a\\u2028b\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_read_back_as_written()
    {
        var signIn = Example() with
        {
            AuthenticationAppDeviceDetails = new AuthenticationAppDeviceDetails("6.8.54", "Authenticator", "", "Ios"),
            RiskEventTypesV2 = ["unfamiliarFeatures"],
            Status = SignInErrorCodes.Status(SignInErrorCodes.FreshTokenNeeded, "MFA completed in Azure AD"),
            DeviceDetail = new DeviceDetail { DeviceId = "d1", DisplayName = "LAPTOP-1", IsCompliant = true, IsManaged = false, TrustType = "Azure AD joined" },
            Location = new SignInLocation("Zürich", "Zurich", "CH", new GeoCoordinates(408.5, -0.0, 1e-7)),
        };

        using var doc = JsonDocument.Parse(SignInJson.ToUtf8(signIn));
        var root = doc.RootElement;

        var app = root.GetProperty("authenticationAppDeviceDetails");
        Assert.Equal(("6.8.54", "Authenticator", "", "Ios"),
            (app.GetProperty("appVersion").GetString(), app.GetProperty("clientApp").GetString(),
             app.GetProperty("deviceId").GetString(), app.GetProperty("operatingSystem").GetString()));
        Assert.Equal("unfamiliarFeatures", root.GetProperty("riskEventTypes_v2")[0].GetString());
        Assert.Equal(50173, root.GetProperty("status").GetProperty("errorCode").GetInt32());
        Assert.Equal("MFA completed in Azure AD", root.GetProperty("status").GetProperty("additionalDetails").GetString());
        var device = root.GetProperty("deviceDetail");
        Assert.True(device.GetProperty("isCompliant").GetBoolean());
        Assert.False(device.GetProperty("isManaged").GetBoolean());
        Assert.Equal("Azure AD joined", device.GetProperty("trustType").GetString());
        var location = root.GetProperty("location");
        Assert.Equal("Zürich", location.GetProperty("city").GetString());
        var geo = location.GetProperty("geoCoordinates");
        Assert.Equal(408.5, geo.GetProperty("altitude").GetDouble());
        Assert.Equal(1e-7, geo.GetProperty("longitude").GetDouble());
        Assert.Equal("notEnabled", root.GetProperty("appliedConditionalAccessPolicies")[0].GetProperty("result").GetString());
    }

    [Fact]
    public void Beta_adds_signInEventTypes_after_isInteractive_and_v1_leaves_it_out()
    {
        var signIn = Example() with { SignInEventTypes = [SignInEventType.NonInteractiveUser], IsInteractive = false };

        using var beta = JsonDocument.Parse(SignInJson.ToUtf8Beta(signIn));
        using var v1 = JsonDocument.Parse(SignInJson.ToUtf8(signIn));

        var names = beta.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal("signInEventTypes", names[names.IndexOf("isInteractive") + 1]);
        Assert.Equal("""["nonInteractiveUser"]""", beta.RootElement.GetProperty("signInEventTypes").GetRawText());
        Assert.False(v1.RootElement.TryGetProperty("signInEventTypes", out _));
        Assert.Equal(names.Where(n => n != "signInEventTypes"), v1.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Enum_texts_are_Graph_member_names()
    {
        Assert.Equal("userPassedMFADrivenByRiskBasedPolicy", SignInJson.Text(RiskDetail.UserPassedMfaDrivenByRiskBasedPolicy));
        Assert.Equal("m365DAdminDismissedDetection", SignInJson.Text(RiskDetail.M365DAdminDismissedDetection));
        Assert.Equal("reportOnlyInterrupted", SignInJson.Text(AppliedConditionalAccessPolicyResult.ReportOnlyInterrupted));
        Assert.Equal("confirmedCompromised", SignInJson.Text(RiskState.ConfirmedCompromised));
        Assert.Equal("unknownFutureValue", SignInJson.Text(ConditionalAccessStatus.UnknownFutureValue));
        Assert.Equal("servicePrincipal", SignInJson.Text(SignInEventType.ServicePrincipal));
        foreach (var r in Enum.GetValues<RiskDetail>())
        {
            var text = SignInJson.Text(r);
            Assert.True(char.IsLower(text[0]) && text.All(char.IsLetterOrDigit), text);
        }
    }
}
