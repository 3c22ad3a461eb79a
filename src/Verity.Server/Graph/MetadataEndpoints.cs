using System.Xml;
using Microsoft.OData.Edm.Csdl;
using Verity.Core.Query;

namespace Verity.Server.Graph;

/// <summary><c>GET /v1.0/$metadata</c>: the CSDL of the types the log API serves, the same model $filter is parsed against.</summary>
internal static class MetadataEndpoints
{
    public static void MapGraphMetadata(this WebApplication app) => app.MapGet("/v1.0/$metadata", Write);

    private static async Task Write(HttpContext http)
    {
        http.Response.ContentType = "application/xml; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Indent = true }))
        {
            CsdlWriter.TryWriteCsdl(GraphModel.Model, writer, CsdlTarget.OData, out _);
        }
        await http.Response.Body.WriteAsync(buffer.ToArray(), http.RequestAborted);
    }
}
