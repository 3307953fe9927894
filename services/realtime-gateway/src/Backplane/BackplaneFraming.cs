using System.Runtime.InteropServices;
using System.Text;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// A Roomcast event announced to the other instances: who sent it, the connection that must not get it
/// (if it is the actor's), and the event itself, as the history wrote it after the head (<c>{seq}|{entry JSON}</c>, read by
/// <c>HistoryEntry.FromAnnounced</c>); each instance resolves its rooms against its own connections.
/// </summary>
public sealed record AnnouncedEvent(string Origin, string? ExceptConnectionId, Guid ActorId, ReadOnlyMemory<byte> Entry);

/// <summary>
/// The wire format of an announcement: a compact binary head (layout version byte, then length-prefixed
/// UTF-8 strings) followed by the event as the history wrote it.
/// </summary>
public static class BackplaneFraming
{
    /// <summary>
    /// The layout version of announced events (3: the entry carries its epoch; 4: the connection to skip
    /// comes with the actor it must belong to), so an instance of another layout refuses an announcement
    /// rather than misreads it; its clients catch up with Resume.
    /// </summary>
    private const byte AnnouncementVersion = 4;

    /// <summary>The head of an announced event; the history writes the event after it (see <see cref="AnnouncedEvent"/>).</summary>
    public static byte[] AnnouncementHead(string origin, string? exceptConnectionId, Guid actorId) => Write(writer =>
    {
        writer.Write(origin);
        writer.Write(exceptConnectionId is not null);
        if (exceptConnectionId is not null)
        {
            writer.Write(exceptConnectionId);
            writer.Write(actorId.ToByteArray());
        }
    });

    public static AnnouncedEvent ReadAnnounced(ReadOnlyMemory<byte> frame) => Read(frame, reader =>
    {
        var origin = reader.ReadString();
        var except = reader.ReadBoolean() ? reader.ReadString() : null;
        var actor = except is null ? Guid.Empty : new Guid(reader.ReadBytes(16));
        return new AnnouncedEvent(origin, except, actor, frame[(int)reader.BaseStream.Position..]);
    });

    private static byte[] Write(Action<BinaryWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(AnnouncementVersion);
            body(writer);
        }
        return stream.ToArray();
    }

    private static T Read<T>(ReadOnlyMemory<byte> frame, Func<BinaryReader, T> body)
    {
        using var stream = MemoryMarshal.TryGetArray(frame, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(frame.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var version = reader.ReadByte();
        if (version != AnnouncementVersion)
        {
            throw new InvalidDataException($"Announcement layout {version} is not {AnnouncementVersion}.");
        }
        return body(reader);
    }
}
