using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace Verity.Load;

/// <summary>
/// A minimal keep-alive HTTP/1.1 connection, like wrk's: it writes prepared request bytes and reads the status line,
/// the headers and a Content-Length body, nothing more. HttpClient costs the load generator about as much CPU per
/// request as Verity spends serving it, and on two shared cores that would be measured as Verity's slowness.
/// </summary>
internal sealed class RawHttp : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttp(Socket socket) => _socket = socket;

    public static async Task<RawHttp> ConnectAsync(Uri baseAddress)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(baseAddress.Host, baseAddress.Port);
        return new RawHttp(socket);
    }

    public static byte[] Request(string method, string path, string host, string token, string? json)
    {
        var body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        var head = $"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n" +
            (json is null ? "" : $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n") + "\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    /// <summary>A form POST without a token (a token request).</summary>
    public static byte[] Form(string path, string host, string form)
    {
        var body = Encoding.UTF8.GetBytes(form);
        var head = $"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {body.Length}\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    /// <summary>Sends one request and returns the response status code once the whole response is read.</summary>
    public async Task<int> SendAsync(byte[] request)
    {
        await _socket.SendAsync(request, SocketFlags.None);
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            await FillAsync();
        }
        var head = _buffer.AsSpan(_start, headerEnd);
        Utf8Parser.TryParse(head[9..12], out int status, out _);
        var length = 0;
        var lengthAt = IndexOfIgnoreCase(head, "\r\ncontent-length:"u8);
        if (lengthAt >= 0)
        {
            var rest = head[(lengthAt + 17)..].TrimStart((byte)' ');
            Utf8Parser.TryParse(rest, out length, out _);
        }
        var chunked = IndexOfIgnoreCase(head, "\r\ntransfer-encoding: chunked"u8) >= 0;
        _start += headerEnd + 4;
        if (chunked)
        {
            await SkipChunksAsync();
            return status;
        }
        await SkipAsync(length);
        return status;
    }

    private async Task SkipAsync(int length)
    {
        while (_end - _start < length)
        {
            await FillAsync();
        }
        _start += length;
    }

    /// <summary>Reads a chunked body: hex size lines, data and CRLFs, up to the zero-size chunk and the final blank line.</summary>
    private async Task SkipChunksAsync()
    {
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
            {
                await FillAsync();
            }
            Utf8Parser.TryParse(_buffer.AsSpan(_start, lineEnd), out int size, out _, 'x');
            _start += lineEnd + 2;
            await SkipAsync(size + 2);
            if (size == 0)
            {
                return;
            }
        }
    }

    private async Task FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
        if (read == 0)
        {
            throw new IOException("The server closed the connection.");
        }
        _end += read;
    }

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerNeedle)
    {
        for (var i = 0; i + lowerNeedle.Length <= text.Length; i++)
        {
            var match = true;
            for (var j = 0; j < lowerNeedle.Length && match; j++)
            {
                var c = text[i + j];
                match = (c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c + 32) : c) == lowerNeedle[j];
            }
            if (match)
            {
                return i;
            }
        }
        return -1;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
