"""Smithy RPC v2 CBOR (smithy.protocols#rpcv2Cbor), the protocol AWS's SDKs speak to CloudWatch
and the other services whose botocore model lists "smithy-rpc-v2-cbor", answered by moto's
awsJson handlers of the same operations.

A request is POST {prefix}/service/{ServiceName}/operation/{Operation} with a CBOR body, the
operation's input members. It is decoded against the input shape of the botocore model of the
service its SigV4 credential scope and path name together, and re-sent through the emulator as
the awsJson request of the same call (POST / with X-Amz-Target), so the call counters, the
recorded requests (the JSON body) and the fault rules see it as <service>.<Operation>; moto's
answer is encoded back to CBOR against the output shape: timestamps as tag 1 epoch seconds,
doubles as CBOR floats, blobs as byte strings, with Content-Type application/cbor and
smithy-protocol rpc-v2-cbor (no body and no Content-Type when the operation has no output).
An error is a CBOR map of the error structure's members, "message" and "__type", the error's
absolute shape ID (com.amazonaws.<service>#<ErrorShape>); for services with the
awsQueryCompatible trait (CloudWatch) the x-amzn-query-error header also carries the query
error code, "<Code>;<Sender|Receiver>", which the SDKs then report as the error's code.
"""

import gzip
import http
import io
import json
import re
import uuid
from functools import lru_cache
from xml.sax.saxutils import unescape

import emulator_wire as wire

PATH = re.compile(r"/service/([^/]+)/operation/([^/]+)/?$")
CONTENT_TYPE = "application/cbor"
PROTOCOL = "rpc-v2-cbor"
XML_FIELD = re.compile(r"<(Code|Message)>(.*?)</\1>", re.S)


def is_rpcv2(environ):
    """Whether a request is in the rpc-v2-cbor protocol: POST to its path form, with the
    smithy-protocol header such requests carry (none at all is taken as rpc-v2-cbor too)."""
    return (environ.get("REQUEST_METHOD") == "POST"
            and PATH.search(environ.get("PATH_INFO", "")) is not None
            and environ.get("HTTP_SMITHY_PROTOCOL", PROTOCOL) == PROTOCOL)


@lru_cache(maxsize=None)
def service_model(signing_name, region, service_segment):
    """botocore's model of the service a request names: among the services moto serves for the
    SigV4 signing name, the one speaking rpc-v2-cbor whose Smithy service name (botocore's
    targetPrefix) is the path's service segment, which may also be the absolute shape ID with
    "." for "#" (as the protocol allows)."""
    from botocore.exceptions import DataNotFoundError
    from moto.backend_index import backend_url_patterns
    from moto.core.utils import get_service_model

    host = f"https://{signing_name}.{region}.amazonaws.com"
    name = service_segment.rsplit(".", 1)[-1]
    for backend, pattern in backend_url_patterns:
        if not pattern.match(host):
            continue
        try:
            model = get_service_model(backend)
        except DataNotFoundError:
            continue
        metadata = model.metadata
        if ("smithy-rpc-v2-cbor" in metadata.get("protocols", [])
                and metadata.get("targetPrefix", "").rsplit(".", 1)[-1] == name):
            return model
    return None


def _writer():
    from botocore.serialize import RpcV2CBORSerializer

    return RpcV2CBORSerializer()


def encode(value, shape):
    """The CBOR encoding of a value of a botocore shape, written by botocore's rpc-v2-cbor
    serializer (structures leave out None members; timestamps are tag 1 epoch seconds)."""
    out = bytearray()
    _writer()._serialize_data_item(out, value, shape)
    return bytes(out)


def parse(parser, body, shape):
    """A body parsed by a botocore parser against a shape into Python values (datetime for
    timestamps, bytes for blobs; members the shape does not have are left out)."""
    parsed = parser.parse({"body": body, "headers": {}, "status_code": 200}, shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def error_shape(model, code):
    """The service's error structure of a code: the shape of that name, else of that query
    error code."""
    if model is None:
        return None
    shapes = model.error_shapes
    return (next((shape for shape in shapes if shape.name == code), None)
            or next((shape for shape in shapes if shape.error_code == code), None))


def error(model, code, message, status, members=None):
    """(status, headers, body) of an rpc-v2-cbor error: a CBOR map of "__type" (the absolute
    shape ID of the error structure, or of the code when the service models no such error;
    smithy.framework's for the protocol's own errors), the message (under "Message" where the
    structure names it so, else "message") and the structure's other members."""
    shape = error_shape(model, code)
    namespace = f"com.amazonaws.{model.service_name}" if model is not None else "smithy.framework"
    member_shapes = shape.members if shape is not None else {}
    fields = [(name, value, member_shapes[name]) for name, value in (members or {}).items()
              if name in member_shapes and name.lower() != "message"]
    message_key = "Message" if "Message" in member_shapes else "message"
    fields = [("__type", f"{namespace}#{shape.name if shape else code}", None),
              (message_key, message, None)] + fields
    writer = _writer()
    info, size = writer._get_additional_info_and_num_bytes(len(fields))
    body = bytearray(writer._get_initial_byte(writer.MAP_MAJOR_TYPE, info))
    body += len(fields).to_bytes(size, "big") if size else b""
    for name, value, member in fields:
        writer._serialize_type_string(body, name, None, None)
        if member is None:
            writer._serialize_type_string(body, value, None, None)
        else:
            writer._serialize_data_item(body, value, member)
    headers = [("x-amzn-RequestId", str(uuid.uuid4()))]
    if model is not None and model.is_query_compatible:
        fault = "Receiver" if status >= 500 else "Sender"
        headers.append(("x-amzn-query-error", f"{shape.error_code if shape else code};{fault}"))
    return answer(status, headers, bytes(body))


def answer(status, headers, body):
    """(status, headers, body) of an rpc-v2-cbor answer, with the protocol's headers."""
    headers = [("smithy-protocol", PROTOCOL), *headers, ("Content-Length", str(len(body)))]
    if body:
        headers.append(("Content-Type", CONTENT_TYPE))
    return status, headers, body


def translate_error(model, status, headers, payload):
    """moto's awsJson error ({"__type": "<prefix>#<Code>", "message": ...}), or the query XML
    error of a check made before moto, as the rpc-v2-cbor error of the same code and members."""
    from botocore.parsers import JSONParser

    try:
        doc = json.loads(payload or b"{}")
    except ValueError:
        doc = {tag: unescape(text) for tag, text in
               XML_FIELD.findall(payload.decode("utf-8", "replace"))}
        doc = {"__type": doc.get("Code", str(status)), "message": doc.get("Message", "")}
    code = str(doc.get("__type") or headers.get("x-amzn-errortype") or status)
    code = code.split(":", 1)[0].rsplit("#", 1)[-1]
    shape = error_shape(model, code)
    members = parse(JSONParser(), payload, shape) if shape is not None and payload else {}
    message = doc.get("message", doc.get("Message", ""))
    return error(model, code, message, status, members)


def call(app, environ, start_response):
    """Answers an rpc-v2-cbor request by running the awsJson request of the same call in app
    (the emulator) and translating its answer."""
    from botocore.parsers import JSONParser, RpcV2CBORParser
    from botocore.serialize import JSONSerializer

    service_segment, name = PATH.search(environ["PATH_INFO"]).groups()
    signing = wire.CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    model = service_model(signing.group(2), signing.group(1), service_segment) if signing else None
    if model is None or name not in model.operation_names:
        return send(start_response, error(None, "UnknownOperationException",
                                          f"Unknown operation {service_segment}.{name}", 404))
    operation = model.operation_model(name)
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":  # requestCompression
        body = gzip.decompress(body)
    try:
        params = parse(RpcV2CBORParser(), body, operation.input_shape) if body else {}
    except Exception as failure:  # noqa: BLE001 - any undecodable body is the client's error
        return send(start_response, error(None, "SerializationException", str(failure), 400))
    request = JSONSerializer().serialize_to_request(params, operation)
    inner = {key: value for key, value in environ.items()
             if key not in ("HTTP_SMITHY_PROTOCOL", "HTTP_CONTENT_ENCODING", "HTTP_ACCEPT")}
    inner.update({"PATH_INFO": "/", "CONTENT_TYPE": request["headers"]["Content-Type"],
                  "HTTP_X_AMZ_TARGET": request["headers"]["X-Amz-Target"],
                  "CONTENT_LENGTH": str(len(request["body"])),
                  "wsgi.input": io.BytesIO(request["body"])})
    captured = {}

    def capture(status, headers, exc_info=None):
        captured.update(status=int(status.split()[0]), headers=headers)

    # Errors the emulator answers itself (fault rules, checks made before moto) are written in
    # CBOR for this request, whatever protocol the service's other clients speak.
    wire.REQUEST.cbor_error = lambda code, message, status: error(model, code, message, status)
    try:
        result = app(inner, capture)
        payload = b"".join(result)
        if hasattr(result, "close"):
            result.close()
    finally:
        wire.REQUEST.cbor_error = None
    status = captured.get("status", 500)
    headers = {key.lower(): value for key, value in captured.get("headers", [])}
    if headers.get("content-type") == CONTENT_TYPE or "smithy-protocol" in headers:
        return send(start_response, (status, list(captured["headers"]), payload))
    if status >= 300:
        return send(start_response, translate_error(model, status, headers, payload))
    request_id = [("x-amzn-RequestId", headers.get("x-amzn-requestid", str(uuid.uuid4())))]
    shape = operation.output_shape
    if shape is None:
        return send(start_response, answer(200, request_id, b""))
    return send(start_response, answer(200, request_id,
                                       encode(parse(JSONParser(), payload, shape), shape)))


def send(start_response, response):
    status, headers, body = response
    start_response(f"{status} {http.HTTPStatus(status).phrase}", headers)
    return [body]
