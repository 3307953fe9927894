using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using Roomcast.EndToEndTests.Infrastructure;

namespace Roomcast.EndToEndTests.Telemetry;

/// <summary>
/// An OTLP/HTTP collector for the services' traces (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>): it
/// answers every export and keeps the spans of <c>/v1/traces</c>, read with the few protobuf fields a test
/// needs (the service, and each span's ids, name and kind) rather than a generated OTLP model.
/// </summary>
public sealed class OtlpTraceReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly Task _serving;

    public OtlpTraceReceiver()
    {
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port { get; }

    /// <summary>The OTLP endpoint, as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> takes it.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    public void Dispose()
    {
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var body = new MemoryStream();
                var input = context.Request.Headers["Content-Encoding"] == "gzip"
                    ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
                    : context.Request.InputStream;
                await input.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    foreach (var span in ReadExport(body.ToArray()))
                    {
                        _spans.Enqueue(span);
                    }
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    /// <summary>ExportTraceServiceRequest: resource_spans = 1.</summary>
    private static IEnumerable<ReceivedSpan> ReadExport(byte[] message)
    {
        foreach (var (field, resourceSpans) in Fields(message))
        {
            if (field != 1)
            {
                continue;
            }

            // ResourceSpans: resource = 1, scope_spans = 2.
            var service = "";
            var spans = new List<byte[]>();
            foreach (var (inner, value) in Fields(resourceSpans))
            {
                if (inner == 1)
                {
                    service = ServiceName(value) ?? service;
                }
                else if (inner == 2)
                {
                    // ScopeSpans: spans = 2.
                    spans.AddRange(Fields(value).Where(scoped => scoped.Field == 2).Select(scoped => scoped.Value));
                }
            }

            foreach (var span in spans)
            {
                yield return ReadSpan(service, span);
            }
        }
    }

    /// <summary>Resource: attributes = 1, each a KeyValue (key = 1, value = 2: an AnyValue whose string_value = 1).</summary>
    private static string? ServiceName(byte[] resource)
    {
        foreach (var (field, attribute) in Fields(resource))
        {
            if (field != 1)
            {
                continue;
            }

            var parts = Fields(attribute).ToList();
            if (parts.Any(part => part.Field == 1 && Encoding.UTF8.GetString(part.Value) == "service.name"))
            {
                var value = parts.First(part => part.Field == 2).Value;
                return Encoding.UTF8.GetString(Fields(value).First(part => part.Field == 1).Value);
            }
        }

        return null;
    }

    /// <summary>Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, kind = 6.</summary>
    private static ReceivedSpan ReadSpan(string service, byte[] span)
    {
        string traceId = "", spanId = "", parentSpanId = "", name = "";
        var kind = 0L;
        foreach (var (field, value) in Fields(span))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parentSpanId = Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 6: kind = ReadVarint(value, 0).Value; break;
            }
        }

        return new ReceivedSpan(service, name, (SpanKind)kind, traceId, spanId, parentSpanId);
    }

    /// <summary>
    /// The fields of a protobuf message in wire order: a length-delimited field's bytes as they are, a
    /// varint's re-encoded alone (so <see cref="ReadVarint"/> reads it), fixed-width ones skipped.
    /// </summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var offset = 0;
        while (offset < message.Length)
        {
            var (tag, afterTag) = ReadVarint(message, offset);
            offset = afterTag;
            var field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    var (_, afterValue) = ReadVarint(message, offset);
                    yield return (field, message[offset..afterValue]);
                    offset = afterValue;
                    break;
                case 1:
                    offset += 8;
                    break;
                case 2:
                    var (length, afterLength) = ReadVarint(message, offset);
                    yield return (field, message[afterLength..(afterLength + (int)length)]);
                    offset = afterLength + (int)length;
                    break;
                case 5:
                    offset += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unexpected protobuf wire type {tag & 7} in an OTLP export.");
            }
        }
    }

    private static (long Value, int Next) ReadVarint(byte[] buffer, int offset)
    {
        long value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var next = buffer[offset++];
            value |= (long)(next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return (value, offset);
            }
        }
    }
}

/// <summary>OTLP's span kinds.</summary>
public enum SpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>One span a service exported; ids in lowercase hex, a root's parent empty.</summary>
public sealed record ReceivedSpan(string Service, string Name, SpanKind Kind, string TraceId, string SpanId, string ParentSpanId);
