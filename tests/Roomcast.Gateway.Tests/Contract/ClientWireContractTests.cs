using System.Buffers;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.RealtimeGateway.History;
using Xunit;

namespace Roomcast.Gateway.Tests.Contract;

/// <summary>
/// The client wire contract cannot drift: every server message, written by the real contract types
/// through SignalR's JSON protocol as the hub sends it (and, for record events, as a resume or another
/// instance sends it, from the history entry), must equal its golden sample under
/// <c>clients/roomcast-client/contract/</c>, and the names (events, methods, close reasons, record
/// types) must equal <c>names.json</c>. @roomcast/client's tests validate each sample against its
/// TypeScript types, so a C# change that the TypeScript side does not follow fails one side or the other.
/// </summary>
public sealed class ClientWireContractTests
{
    /// <summary>Set to 1 to write the samples anew from the C# types (then make the TypeScript side agree).</summary>
    public const string RewriteVariable = "ROOMCAST_REWRITE_CONTRACT";

    private static readonly Guid EventId = Guid.Parse("0b7d3c0e-8f8a-4f55-9a51-6d8e2f1c4a01");
    private static readonly Guid UserId = Guid.Parse("5f0c3d2e-1a4b-4c6d-8e9f-0a1b2c3d4e5f");
    private static readonly Guid GroupId = Guid.Parse("7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d");
    private static readonly Guid RootId = Guid.Parse("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
    private static readonly Guid DocumentId = Guid.Parse("9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a");
    private const long Seq = 1765069200000123;
    private const string Epoch = "3f9a2c0d11b4";

    private static readonly JsonHubProtocol Protocol = new(Options.Create(new JsonHubProtocolOptions()));

    private static readonly JsonSerializerOptions Golden = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One sample per message shape the gateway sends: file name, event (or answer) name, and the message.</summary>
    private static readonly Dictionary<string, (string Name, object Message)> Samples = new()
    {
        ["NEW_RECORD.User"] = (ClientEvents.NewRecord, new RecordMessage(RecordTypes.User, Web(new UserRecord(UserId, "carol", false, 3)), 3, EventId, Seq, Epoch)),
        ["CHANGED_RECORD.User"] = (ClientEvents.ChangedRecord, new RecordMessage(RecordTypes.User, Web(new UserRecord(UserId, "carol", true, 4)), 4, EventId, Seq, Epoch)),
        ["NEW_RECORD.StudentGroup"] = (ClientEvents.NewRecord, new RecordMessage(RecordTypes.StudentGroup, Web(new StudentGroupRecord(GroupId, "Study group", 1)), 1, EventId, Seq, Epoch)),
        ["NEW_RECORD.GroupMembership"] = (ClientEvents.NewRecord, new RecordMessage(RecordTypes.GroupMembership, Web(new GroupMembershipRecord(GroupId, UserId, true, 7)), 7, EventId, Seq, Epoch)),
        ["CHANGED_RECORD.GroupMembership"] = (ClientEvents.ChangedRecord, new RecordMessage(RecordTypes.GroupMembership, Web(new GroupMembershipRecord(GroupId, UserId, false, 8)), 8, EventId, Seq, Epoch)),
        ["NEW_RECORD.Document"] = (ClientEvents.NewRecord, new RecordMessage(RecordTypes.Document, DocumentsApiRecord(), 1, EventId, Seq, Epoch)),
        ["DELETED_RECORD"] = (ClientEvents.DeletedRecord, new DeletedRecordMessage(RecordTypes.DocumentRoot, RootId, [new RecordRef(RecordTypes.Document, DocumentId)], EventId, Seq, Epoch)),
        ["CHANGED_DOCUMENT"] = (ClientEvents.ChangedDocument, new ChangedDocumentMessage(DocumentId, JsonSerializer.SerializeToElement(new { text = "v2", tags = new[] { "a" } }),
            new DateTimeOffset(2026, 12, 7, 1, 0, 0, 123, TimeSpan.Zero), 2, EventId, Seq, Epoch)),
        ["CONNECTED_CLIENTS.full"] = (ClientEvents.ConnectedClients, new ConnectedClientsMessage(ConnectedClientsMessage.Full,
            new Dictionary<string, int> { ["all"] = 5, ["admin"] = 2, [$"user:{UserId}"] = 1, [$"root:{RootId}"] = 1 })),
        ["CONNECTED_CLIENTS.update"] = (ClientEvents.ConnectedClients, new ConnectedClientsMessage(ConnectedClientsMessage.Update, new Dictionary<string, int> { ["all"] = 6, [$"root:{RootId}"] = 0 })),
        ["PRESENCE"] = (ClientEvents.Presence, new PresenceMessage(UserId, PresenceMessage.Online)),
        ["Resume.events"] = (ClientMethods.Resume, new ResumeResult(false, null, Seq + 2, Epoch,
            [Missed(ClientEvents.ChangedDocument, Seq + 1, new ChangedDocumentMessage(DocumentId, JsonSerializer.SerializeToElement(new { text = "v3" }),
                new DateTimeOffset(2026, 12, 7, 1, 0, 1, TimeSpan.Zero), 3, EventId, Seq + 1, Epoch))], More: true)),
        ["Resume.reload"] = (ClientMethods.Resume, ResumeResult.MustReload($"events after lastSeq {Seq} were trimmed", Seq + 500, Epoch)),
        ["RoomAck"] = (ClientMethods.JoinRoom, new RoomAck($"root:{RootId}", true)),
    };

    public static TheoryData<string> SampleNames => new(Samples.Keys);

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void EachServerMessageIsWrittenAsItsGoldenSample(string sample)
    {
        var (name, message) = Samples[sample];
        var wire = IsEvent(name) ? AsInvocationArgument(name, message) : AsCompletionResult(message);

        Compare($"samples/{sample}.json", wire);
    }

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void ARecordEventResumedOrAnnouncedReadsLikeTheLiveOne(string sample)
    {
        var (name, message) = Samples[sample];
        if (message is not (RecordMessage or DeletedRecordMessage or ChangedDocumentMessage))
        {
            return;
        }

        var live = AsInvocationArgument(name, message);
        var fromHistory = JsonNode.Parse(new HistoryEntry(Seq, EventId, name, ["all"], HistoryEntry.PayloadOf(message)) { Epoch = Epoch }.ClientPayload().GetRawText())!;

        JsonNode.DeepEquals(live, fromHistory).ShouldBeTrue($"{sample}: live {live.ToJsonString()} but from the history {fromHistory.ToJsonString()}");
    }

    /// <summary>A replay reads like the live event with <c>replay: true</c> added, as the gateway's replay endpoint writes it from the history.</summary>
    [Fact]
    public void AReplayedEventIsWrittenAsItsGoldenSample()
    {
        var (name, message) = Samples["CHANGED_DOCUMENT"];
        var entry = new HistoryEntry(Seq, EventId, name, ["all"], HistoryEntry.PayloadOf(message)) { Epoch = Epoch };

        Compare("samples/CHANGED_DOCUMENT.replay.json", AsInvocationArgument(name, Roomcast.RealtimeGateway.Replay.ReplayEndpoints.Replayed(entry)));
    }

    [Fact]
    public void TheNamesAreTheGoldenOnes()
    {
        var names = new JsonObject
        {
            ["clientEvents"] = ConstantsOf(typeof(ClientEvents)),
            ["clientMethods"] = ConstantsOf(typeof(ClientMethods)),
            ["closeReasons"] = ConstantsOf(typeof(CloseReasons)),
            ["recordTypes"] = new JsonArray([.. RecordTypes.All.Order(StringComparer.Ordinal).Select(type => JsonValue.Create(type))]),
            ["connectedClientsTypes"] = new JsonArray(ConnectedClientsMessage.Full, ConnectedClientsMessage.Update),
            ["presenceStatuses"] = new JsonArray(PresenceMessage.Online, PresenceMessage.Offline),
            ["replayField"] = ClientReplay.Field,
        };

        Compare("names.json", names);
    }

    [Fact]
    public void EveryServerEventAndEveryClientMessageTypeHasASample()
    {
        var sampled = Samples.Values.Select(sample => sample.Name).ToHashSet();
        ConstantsOf(typeof(ClientEvents)).Select(entry => entry.Value!.GetValue<string>())
            .Where(name => !sampled.Contains(name)).ShouldBeEmpty("server events without a sample in ClientWireContractTests.Samples");

        var covered = Samples.Values.SelectMany(sample => TypesIn(sample.Message)).ToHashSet();
        var messageTypes = typeof(ClientEvents).Assembly.GetExportedTypes()
            .Where(type => type.Namespace == typeof(ClientEvents).Namespace && !type.IsAbstract && type.GetConstructors().Length > 0);
        messageTypes.Where(type => !covered.Contains(type)).Select(type => type.Name)
            .ShouldBeEmpty("shared/contracts/Client types no sample covers (add one, and its TypeScript type)");
    }

    private static bool IsEvent(string name) => ConstantsOf(typeof(ClientEvents)).Any(entry => entry.Value!.GetValue<string>() == name);

    private static JsonNode AsInvocationArgument(string name, object message) =>
        Written(new InvocationMessage(name, [message]))["arguments"]!.AsArray()[0]!;

    private static JsonNode AsCompletionResult(object message) => Written(CompletionMessage.WithResult("1", message))["result"]!;

    /// <summary>A hub message as SignalR's JSON protocol frames it, without its record separator.</summary>
    private static JsonNode Written(HubMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Protocol.WriteMessage(message, buffer);
        return JsonNode.Parse(buffer.WrittenSpan[..^1])!;
    }

    private static void Compare(string file, JsonNode actual)
    {
        var path = Path.Combine(ContractFolder(), file);
        var written = actual.ToJsonString(Golden) + "\n";
        if (Environment.GetEnvironmentVariable(RewriteVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, written, new UTF8Encoding(false));
            return;
        }

        File.Exists(path).ShouldBeTrue($"No golden sample at {path}. Write it with {RewriteVariable}=1 and make @roomcast/client's types accept it.");
        var golden = File.ReadAllText(path).ReplaceLineEndings("\n");
        golden.ShouldBe(written,
            $"The C# wire shape of {file} differs from clients/roomcast-client/contract/{file}. If the change is meant, rewrite the samples " +
            $"with {RewriteVariable}=1 (this test), then update clients/roomcast-client/src/contract.ts and validate.ts until `npm test` in clients/roomcast-client passes.");
    }

    private static JsonObject ConstantsOf(Type type) =>
        new(type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .OrderBy(field => field.Name, StringComparer.Ordinal)
            .Select(field => KeyValuePair.Create(field.Name, (JsonNode?)JsonValue.Create((string)field.GetRawConstantValue()!))));

    private static IEnumerable<Type> TypesIn(object message) => message switch
    {
        ResumeResult result => [typeof(ResumeResult), typeof(MissedEvent), .. result.Events.Select(_ => typeof(MissedEvent))],
        RecordMessage record => [typeof(RecordMessage), .. RecordTypeOf(record)],
        DeletedRecordMessage deleted => [typeof(DeletedRecordMessage), .. deleted.Cascade.Select(_ => typeof(RecordRef))],
        _ => [message.GetType()],
    };

    private static IEnumerable<Type> RecordTypeOf(RecordMessage record) => record.Type switch
    {
        RecordTypes.User => [typeof(UserRecord)],
        RecordTypes.StudentGroup => [typeof(StudentGroupRecord)],
        RecordTypes.GroupMembership => [typeof(GroupMembershipRecord)],
        _ => [],
    };

    /// <summary>identity's records reach clients serialised so (<c>IdentityRecordDelivery</c>).</summary>
    private static JsonElement Web(object record) => JsonSerializer.SerializeToElement(record, record.GetType(), JsonSerializerOptions.Web);

    /// <summary>documents-api's own record shape (its API's document), which the client treats as open: only its id is contract.</summary>
    private static JsonElement DocumentsApiRecord() => JsonSerializer.SerializeToElement(new
    {
        id = DocumentId, rootId = RootId, authorId = UserId, type = "note", parentId = (Guid?)null, data = new { text = "v1" },
        createdAt = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero), updatedAt = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero), version = 1,
    }, JsonSerializerOptions.Web);

    private static MissedEvent Missed(string name, long seq, object message) =>
        new(name, new HistoryEntry(seq, EventId, name, ["all"], HistoryEntry.PayloadOf(message)) { Epoch = Epoch }.ClientPayload());

    private static string ContractFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Roomcast.slnx")))
            {
                return Path.Combine(directory.FullName, "clients", "roomcast-client", "contract");
            }
        }

        throw new DirectoryNotFoundException("Could not find Roomcast.slnx above the test assembly.");
    }
}
