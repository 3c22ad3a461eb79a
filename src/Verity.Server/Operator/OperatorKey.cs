using System.Security.Cryptography;
using System.Text;

namespace Verity.Server.Operator;

internal sealed class OperatorOptions
{
    public const string Section = "Verity:Operator";

    /// <summary>The file holding the operator key; created with a new random key (mode 0600) when missing.</summary>
    public string KeyFile { get; set; } = "data/keys/operator.key";
}

/// <summary>
/// The operator key: 256 random bits, base64url, kept in a file only the server's user can read, so whoever may read
/// that file may manage tenants. The server keeps only the key's SHA-256 in memory and compares hashes in constant time.
/// </summary>
internal sealed class OperatorKey
{
    private const int MinLength = 32;
    private readonly byte[] _hash;

    private OperatorKey(string path, string key) => (Path, _hash) = (path, SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The key file's full path, printed at startup.</summary>
    public string Path { get; }

    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _hash);

    public static OperatorKey LoadOrCreate(string file)
    {
        var path = System.IO.Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            Create(path);
        }
        var key = File.ReadAllText(path).Trim();
        return key.Length >= MinLength
            ? new OperatorKey(path, key)
            : throw new InvalidOperationException($"The operator key in {path} is shorter than {MinLength} characters. Delete the file and restart to get a new key.");
    }

    private static void Create(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var writer = new StreamWriter(path, options);
            writer.WriteLine(System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another server sharing this directory created it first: use theirs.
        }
    }
}
