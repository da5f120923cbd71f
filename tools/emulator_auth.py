"""AWS's form of the errors moto's IAM check answers (when it enforces IAM): moto wraps a query
service's error as <ErrorResponse><Errors><Error>…</Error></Errors></ErrorResponse>, the EC2
form, where AWS's query services (STS, IAM, ELBv2, Auto Scaling) answer
<ErrorResponse><Error>…</Error><RequestId>…</RequestId></ErrorResponse>, which is what the SDKs
read the code from (an InvalidClientTokenId for a key AWS does not know, for one)."""

import re
import uuid

# The query-protocol services, by the service name of the request's credential scope.
QUERY_SERVICES = {"sts", "iam", "elasticloadbalancing", "autoscaling", "monitoring"}
WRAPPED = re.compile(
    rb"<ErrorResponse>\s*<Errors>\s*(<Error>.*?</Error>)\s*</Errors>\s*</ErrorResponse>", re.S)


def answer(moto, environ, start_response, service):
    """moto's answer to a call, with a query service's wrapped error unwrapped as AWS sends it."""
    if service not in QUERY_SERVICES:
        return moto(environ, start_response)
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda _data: None

    body = b"".join(moto(environ, capture))
    status, headers = captured.get("status", "500 Internal Server Error"), captured.get("headers", [])
    match = WRAPPED.search(body) if not status.startswith("2") else None
    if match:
        body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse>' + match.group(1)
                + b"<RequestId>" + str(uuid.uuid4()).encode() + b"</RequestId></ErrorResponse>")
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "content-type")]
        headers += [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]
