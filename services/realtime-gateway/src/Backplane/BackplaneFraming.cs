using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Roomcast.RealtimeGateway.Backplane;

public enum GroupAction : byte
{
    Add = 1,
    Remove = 2,
}

/// <summary>An invocation as it travels between instances: serialized once per hub protocol, with the sender and the connections to skip.</summary>
public sealed record BackplaneInvocation(string Origin, IReadOnlyList<string> Excluded, SerializedHubMessage Message);

/// <summary>
/// A send to connections (or users) named by id: published on one channel every instance hears, each
/// writes to those it holds.
/// </summary>
public sealed record BackplaneRouted(string Origin, IReadOnlyList<string> Targets, SerializedHubMessage Message);

/// <summary>Add or remove a connection that lives on another instance to or from a group; answered by an ack to <see cref="Origin"/>.</summary>
public sealed record GroupCommand(int Id, string Origin, GroupAction Action, string Group, string ConnectionId);

/// <summary>
/// A Roomcast event announced to the other instances: who sent it, the connection that must not get it,
/// and the event itself, as the history wrote it after the head (<c>{seq}|{entry JSON}</c>, read by
/// <c>HistoryEntry.FromAnnounced</c>); each instance resolves its rooms against its own connections.
/// </summary>
public sealed record AnnouncedEvent(string Origin, string? ExceptConnectionId, ReadOnlyMemory<byte> Entry);

/// <summary>
/// The wire format of every backplane message: a compact binary envelope (version byte, then
/// length-prefixed UTF-8 strings and 7-bit-encoded counts) carrying the invocation already serialized
/// by each hub protocol, so a receiving instance writes the bytes to its connections as they are.
/// </summary>
public static class BackplaneFraming
{
    private const byte Version = 1;

    /// <summary>
    /// Announced events have their own layout version (3: the entry carries its epoch), so an instance
    /// of another layout refuses an announcement rather than misreads it; its clients catch up with Resume.
    /// </summary>
    private const byte AnnouncementVersion = 3;

    public static byte[] Invocation(string origin, IReadOnlyList<string>? excluded, SerializedHubMessage message, IReadOnlyList<IHubProtocol> protocols) =>
        WithNames(origin, excluded ?? [], message, protocols);

    public static BackplaneInvocation ReadInvocation(ReadOnlyMemory<byte> frame) => Read(frame, reader =>
        new BackplaneInvocation(reader.ReadString(), ReadStrings(reader), ReadMessage(reader)));

    public static byte[] Routed(string origin, IReadOnlyList<string> targets, SerializedHubMessage message, IReadOnlyList<IHubProtocol> protocols) =>
        WithNames(origin, targets, message, protocols);

    public static BackplaneRouted ReadRouted(ReadOnlyMemory<byte> frame) => Read(frame, reader =>
        new BackplaneRouted(reader.ReadString(), ReadStrings(reader), ReadMessage(reader)));

    public static byte[] Command(GroupCommand command) => Write(writer =>
    {
        writer.Write(command.Id);
        writer.Write(command.Origin);
        writer.Write((byte)command.Action);
        writer.Write(command.Group);
        writer.Write(command.ConnectionId);
    });

    public static GroupCommand ReadCommand(ReadOnlyMemory<byte> frame) => Read(frame, reader =>
        new GroupCommand(reader.ReadInt32(), reader.ReadString(), (GroupAction)reader.ReadByte(), reader.ReadString(), reader.ReadString()));

    public static byte[] Ack(int id) => Write(writer => writer.Write(id));

    public static int ReadAck(ReadOnlyMemory<byte> frame) => Read(frame, reader => reader.ReadInt32());

    /// <summary>The head of an announced event; the history writes the event after it (see <see cref="AnnouncedEvent"/>).</summary>
    public static byte[] AnnouncementHead(string origin, string? exceptConnectionId) => Write(writer =>
    {
        writer.Write(origin);
        writer.Write(exceptConnectionId is not null);
        if (exceptConnectionId is not null)
        {
            writer.Write(exceptConnectionId);
        }
    }, AnnouncementVersion);

    public static AnnouncedEvent ReadAnnounced(ReadOnlyMemory<byte> frame) => Read(frame, reader =>
    {
        var origin = reader.ReadString();
        var except = reader.ReadBoolean() ? reader.ReadString() : null;
        return new AnnouncedEvent(origin, except, frame[(int)reader.BaseStream.Position..]);
    }, AnnouncementVersion);

    /// <summary>The layout of an invocation and of a routed send: origin, a list of ids, the message.</summary>
    private static byte[] WithNames(string origin, IReadOnlyList<string> names, SerializedHubMessage message, IReadOnlyList<IHubProtocol> protocols) =>
        Write(writer =>
        {
            writer.Write(origin);
            WriteStrings(writer, names);
            WriteMessage(writer, message, protocols);
        });

    private static void WriteMessage(BinaryWriter writer, SerializedHubMessage message, IReadOnlyList<IHubProtocol> protocols)
    {
        writer.Write7BitEncodedInt(protocols.Count);
        foreach (var protocol in protocols)
        {
            var bytes = message.GetSerializedMessage(protocol);
            writer.Write(protocol.Name);
            writer.Write7BitEncodedInt(bytes.Length);
            writer.Write(bytes.Span);
        }
    }

    private static SerializedHubMessage ReadMessage(BinaryReader reader)
    {
        var count = reader.Read7BitEncodedInt();
        var serialized = new List<SerializedMessage>(count);
        for (var index = 0; index < count; index++)
        {
            var protocol = reader.ReadString();
            var bytes = reader.ReadBytes(reader.Read7BitEncodedInt());
            serialized.Add(new SerializedMessage(protocol, bytes));
        }
        return new SerializedHubMessage(serialized);
    }

    private static void WriteStrings(BinaryWriter writer, IReadOnlyList<string> values)
    {
        writer.Write7BitEncodedInt(values.Count);
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    private static string[] ReadStrings(BinaryReader reader)
    {
        var values = new string[reader.Read7BitEncodedInt()];
        for (var index = 0; index < values.Length; index++)
        {
            values[index] = reader.ReadString();
        }
        return values;
    }

    private static byte[] Write(Action<BinaryWriter> body, byte version = Version)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(version);
            body(writer);
        }
        return stream.ToArray();
    }

    private static T Read<T>(ReadOnlyMemory<byte> frame, Func<BinaryReader, T> body, byte expectedVersion = Version)
    {
        using var stream = MemoryMarshal.TryGetArray(frame, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(frame.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var version = reader.ReadByte();
        if (version != expectedVersion)
        {
            throw new InvalidDataException($"Backplane message version {version} is not {expectedVersion}.");
        }
        return body(reader);
    }
}
