using System.Security.Cryptography;
using System.Text;

namespace Roomcast.Redis;

/// <summary>
/// A Lua script identified by its SHA1, for <c>EvalAsync(script, keys, arguments)</c> in <see cref="RedisCommands"/>:
/// sent as <c>EVALSHA</c>, and as <c>EVAL</c> (which caches it again) when Redis answers <c>NOSCRIPT</c>,
/// e.g. after a restart.
/// </summary>
public sealed class RedisScript(string source)
{
    public string Source { get; } = source;

    /// <summary>Lower-case hex, as <c>SCRIPT LOAD</c> returns it.</summary>
    public string Sha1 { get; } = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));
}
