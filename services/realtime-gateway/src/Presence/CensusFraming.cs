using System.Runtime.InteropServices;
using System.Text;

namespace Roomcast.RealtimeGateway.Presence;

/// <summary>
/// <see cref="CensusReport"/> on the wire between instances: a version byte, then the fields as
/// length-prefixed UTF-8 strings and 7-bit-encoded numbers, like the backplane's own frames.
/// </summary>
public static class CensusFraming
{
    private const byte Version = 1;

    public static byte[] Write(CensusReport report)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write((byte)report.Kind);
            writer.Write(report.Origin);
            writer.Write(report.Epoch.ToByteArray());
            writer.Write7BitEncodedInt64(report.Version);
            writer.Write7BitEncodedInt(report.Rooms.Count);
            foreach (var room in report.Rooms)
            {
                writer.Write(room.Room);
                writer.Write7BitEncodedInt(room.Count);
            }
            writer.Write7BitEncodedInt(report.Users.Count);
            foreach (var user in report.Users)
            {
                writer.Write(user.UserId.ToByteArray());
                writer.Write(user.Connected);
                writer.Write7BitEncodedInt(user.Rooms.Count);
                foreach (var room in user.Rooms)
                {
                    writer.Write(room);
                }
            }
        }
        return stream.ToArray();
    }

    /// <exception cref="InvalidDataException">The frame is of another version or kind.</exception>
    /// <exception cref="EndOfStreamException">The frame is cut short.</exception>
    public static CensusReport Read(ReadOnlyMemory<byte> frame)
    {
        using var stream = MemoryMarshal.TryGetArray(frame, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(frame.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"Census report version {version} is not {Version}.");
        }
        var kind = (CensusReportKind)reader.ReadByte();
        if (!Enum.IsDefined(kind))
        {
            throw new InvalidDataException($"Census report kind {(byte)kind} is unknown.");
        }
        var origin = reader.ReadString();
        var epoch = new Guid(reader.ReadBytes(16));
        var reportVersion = reader.Read7BitEncodedInt64();
        var rooms = new RoomCount[reader.Read7BitEncodedInt()];
        for (var index = 0; index < rooms.Length; index++)
        {
            rooms[index] = new RoomCount(reader.ReadString(), reader.Read7BitEncodedInt());
        }
        var users = new UserRooms[reader.Read7BitEncodedInt()];
        for (var index = 0; index < users.Length; index++)
        {
            var userId = new Guid(reader.ReadBytes(16));
            var connected = reader.ReadBoolean();
            var userRooms = new string[reader.Read7BitEncodedInt()];
            for (var room = 0; room < userRooms.Length; room++)
            {
                userRooms[room] = reader.ReadString();
            }
            users[index] = new UserRooms(userId, connected, userRooms);
        }
        return new CensusReport(kind, origin, epoch, reportVersion, rooms, users);
    }
}
