using System.Text;
using System.Text.Json;
using Roomcast.Contracts.Client;

namespace Roomcast.LoadGen;

/// <summary>
/// Reads what the generator needs from one hub protocol record without building objects: whether it is
/// a <c>CHANGED_DOCUMENT</c> whose document data belongs to this run (<c>data.lg</c>), and then the
/// update's number (<c>data.n</c>) or the fence's id (<c>data.fence</c>).
/// </summary>
public static class RunUpdateRecord
{
    private static readonly byte[] Target = Encoding.UTF8.GetBytes(ClientEvents.ChangedDocument);

    /// <summary>What a record is to the run.</summary>
    public enum Kind
    {
        /// <summary>Anything else: another event, another run's update, a ping.</summary>
        Other,

        /// <summary>A counted update; its number is in <c>n</c>.</summary>
        Update,

        /// <summary>A fence; its id is in <c>fence</c>.</summary>
        Fence,
    }

    /// <summary>Reads <paramref name="record"/> (one JSON hub message, without its separator).</summary>
    public static Kind Read(ReadOnlySpan<byte> record, ReadOnlySpan<byte> runId, out int n, out string? fence)
    {
        n = 0;
        fence = null;
        var reader = new Utf8JsonReader(record);
        bool changedDocument = false, ofRun = false, hasN = false, inData = false, firstArgument = false;
        var argumentDepth = -1;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                    if (reader.ValueTextEquals("target"u8))
                    {
                        reader.Read();
                        changedDocument = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(Target);
                        if (!changedDocument)
                        {
                            return Kind.Other;
                        }
                    }
                    else if (reader.ValueTextEquals("arguments"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            return Kind.Other;
                        }
                        firstArgument = true;
                        argumentDepth = reader.CurrentDepth + 1;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                    break;
                case JsonTokenType.StartObject when reader.CurrentDepth == argumentDepth:
                    if (!firstArgument)
                    {
                        reader.Skip();
                    }
                    firstArgument = false;
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == argumentDepth + 1:
                    var isData = reader.ValueTextEquals("data"u8);
                    reader.Read();
                    if (isData && reader.TokenType == JsonTokenType.StartObject)
                    {
                        inData = true;
                    }
                    else
                    {
                        reader.Skip();
                    }
                    break;
                case JsonTokenType.EndObject when inData && reader.CurrentDepth == argumentDepth + 1:
                    inData = false;
                    break;
                case JsonTokenType.PropertyName when inData && reader.CurrentDepth == argumentDepth + 2:
                    if (reader.ValueTextEquals("lg"u8))
                    {
                        reader.Read();
                        ofRun = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(runId);
                    }
                    else if (reader.ValueTextEquals("n"u8))
                    {
                        reader.Read();
                        hasN = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out n);
                    }
                    else if (reader.ValueTextEquals("fence"u8))
                    {
                        reader.Read();
                        fence = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                    break;
            }
        }
        if (!changedDocument || !ofRun)
        {
            return Kind.Other;
        }
        return hasN ? Kind.Update : fence is not null ? Kind.Fence : Kind.Other;
    }
}
