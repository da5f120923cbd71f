"""An AWS request's input members, read as its protocol writes them (botocore's serializers and
the Smithy protocol specifications are the reference) into the structure of its operation's input
shape: dicts by member name, lists, and values typed as their shapes say.

- json (awsJson 1.0/1.1): the JSON body, as sent;
- query: form fields, lists as Name.member.N (flattened: Name.N), maps as Name.entry.N.key and
  Name.entry.N.value, names from locationName;
- ec2: form fields, lists always Name.N, names from queryName, else the capitalized locationName;
- rest-json and rest-xml: URI labels, query string and headers where the model locates members,
  the rest from the JSON or XML body (or the body itself, for a payload member).

Members the shape does not have are left out. Text that does not read as its shape's type (an
integer, a boolean, a number) is kept as Malformed, for the model check to refuse.
"""

import json
import re
from urllib.parse import parse_qs
from xml.etree import ElementTree

INTEGER = re.compile(r"[+-]?\d+")
LABEL = re.compile(r"\{(\w+)(\+?)\}")
BOOLEANS = {"true": True, "false": False}


class Malformed:
    """Text a request holds where its shape wants another type."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text


class Unreadable(Exception):
    """A body its protocol cannot read (not JSON, not XML): left for moto to answer."""


def scalar(shape, text):
    """A text value (form field, URI label, header, XML text) read as its shape's type."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        return int(text) if INTEGER.fullmatch(text.strip()) else Malformed(text)
    if kind in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            return Malformed(text)
    if kind == "boolean":
        return BOOLEANS.get(text.strip().lower(), Malformed(text))
    return text


# --- query and ec2 -----------------------------------------------------------------------------

def form_name(shape, default, ec2):
    """The name a member, list item or map entry part goes by in a query or ec2 form."""
    names = shape.serialization
    if not ec2:
        return names.get("name", default)
    if "queryName" in names:
        return names["queryName"]
    name = names.get("name")
    return name[:1].upper() + name[1:] if name else default


def indices(params, prefix):
    """The item numbers N under prefix.N in a form, in order."""
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)(?:\.|$)")
    return sorted({int(m.group(1)) for key in params if (m := pattern.match(key))})


def form_value(shape, params, key, ec2):
    """The value of a form's fields under key for a shape, or None when the form has none."""
    kind = shape.type_name
    if kind == "structure":
        if key and not any(name.startswith(key + ".") for name in params):
            return None
        found = {}
        for name, member in shape.members.items():
            wire = form_name(member, name[:1].upper() + name[1:] if ec2 else name, ec2)
            value = form_value(member, params, f"{key}.{wire}" if key else wire, ec2)
            if value is not None:
                found[name] = value
        return found
    if kind == "list":
        if ec2:
            prefix = key
        elif shape.serialization.get("flattened"):  # the member's name in place of the list's
            parent, _, name = key.rpartition(".")
            prefix = ".".join(filter(None, (parent, form_name(shape.member, name, ec2))))
        else:
            prefix = f"{key}.{shape.member.serialization.get('name', 'member')}"
        numbers = indices(params, prefix)
        if not numbers:
            return [] if params.get(key) == "" else None
        return [form_value(shape.member, params, f"{prefix}.{n}", ec2) for n in numbers]
    if kind == "map":
        prefix = key if shape.serialization.get("flattened") else f"{key}.entry"
        key_name = form_name(shape.key, "key", ec2)
        value_name = form_name(shape.value, "value", ec2)
        numbers = indices(params, prefix)
        if not numbers:
            return None
        return {params.get(f"{prefix}.{n}.{key_name}", ""):
                form_value(shape.value, params, f"{prefix}.{n}.{value_name}", ec2)
                for n in numbers}
    return scalar(shape, params[key]) if key in params else None


def form_fields(text):
    """A form's fields, the first value of each."""
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


def form_members(shape, text, ec2):
    """The input members of a query or ec2 request (its form, Action and Version aside)."""
    return form_value(shape, form_fields(text), "", ec2) if shape is not None else {}


# --- rest-json and rest-xml --------------------------------------------------------------------

def route(operation):
    """(method, path pattern, query parameters the URI requires: (key, value or None)) of a REST
    operation."""
    uri = operation.http["requestUri"]
    path, _, query = uri.partition("?")
    pattern, end = "", 0
    for match in LABEL.finditer(path):
        pattern += re.escape(path[end:match.start()])
        pattern += f"(?P<{match.group(1)}>{'.+' if match.group(2) else '[^/]+'})"
        end = match.end()
    pattern += re.escape(path[end:].rstrip("/"))
    required = [(key, value or None) for key, _, value in
                (part.partition("=") for part in query.split("&") if part)]
    return operation.http["method"], re.compile(f"^{pattern}/?$"), required


def header_key(name):
    """The WSGI environ key of an HTTP header."""
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"


def carried(operation, query, environ):
    """How many of the members a REST operation requires in its query string and headers a
    request carries, or -1 when it lacks one (S3's GetObject and ListParts share their route, not
    uploadId)."""
    shape = operation.input_shape
    count = 0
    for name in shape.required_members if shape is not None else ():
        names = shape.members[name].serialization
        where, key = names.get("location"), names.get("name", name)
        if where not in ("querystring", "header"):
            continue
        if (key not in query) if where == "querystring" else (header_key(key) not in environ):
            return -1
        count += 1
    return count


def literal_length(operation):
    """How much of an operation's URI is literal: the most specific route wins."""
    return len(LABEL.sub("", operation.http["requestUri"]))


def xml_tree(body):
    """The root element of an XML body, its namespaces taken off the tags."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise Unreadable(str(error)) from error
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
    return root


def xml_value(shape, element):
    """The value of an XML element for a shape (rest-xml)."""
    kind = shape.type_name
    if kind == "structure":
        found = {}
        for name, member in shape.members.items():
            names = member.serialization
            if names.get("location"):
                continue
            tag = names.get("name", name)
            if names.get("xmlAttribute"):
                if tag in element.attrib:
                    found[name] = scalar(member, element.attrib[tag])
            elif member.type_name == "list" and names.get("flattened"):
                items = element.findall(tag)
                if items:
                    found[name] = [xml_value(member.member, item) for item in items]
            elif (child := element.find(tag)) is not None:
                found[name] = xml_value(member, child)
        return found
    if kind == "list":
        return [xml_value(shape.member, item) for item in element]
    if kind == "map":
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        return {entry.findtext(key_tag, ""): xml_value(shape.value, entry.find(value_tag))
                for entry in element if entry.find(value_tag) is not None}
    return scalar(shape, element.text or "")


def body_members(shape, body, xml):
    """The members a REST request's body holds (payload member or members without location)."""
    payload = shape.serialization.get("payload")
    if payload is not None:
        member = shape.members[payload]
        if not body:
            return {}
        if member.type_name != "structure":
            return {payload: body.decode("utf-8", "replace")}
        return {payload: xml_value(member, xml_tree(body)) if xml else json_document(body)}
    if not body:
        return {}
    if xml:
        return xml_value(shape, xml_tree(body))
    document = json_document(body)
    return {name: document[name] for name, member in shape.members.items()
            if not member.serialization.get("location") and name in document}


def json_document(body):
    """A JSON body, which must be an object."""
    try:
        document = json.loads(body)
    except ValueError as error:
        raise Unreadable(str(error)) from error
    if not isinstance(document, dict):
        raise Unreadable("the body is not a JSON object")
    return document


def located(member, labels, query, environ):
    """A member's value from the URI, the query string or a header, or None."""
    names = member.serialization
    where, key = names.get("location"), names.get("name")
    if where == "uri" and key in labels:
        return scalar(member, labels[key])
    if where == "querystring" and member.type_name == "map":
        return {name: values[0] for name, values in query.items()} or None
    if where == "querystring" and key in query:
        if member.type_name == "list":
            return [scalar(member.member, value) for value in query[key]]
        return scalar(member, query[key][0])
    if where == "header":
        text = environ.get(header_key(key))
        if text is None:
            return None
        if member.type_name == "list":
            return [scalar(member.member, part.strip()) for part in text.split(",")]
        return scalar(member, text)
    return None


def rest_members(operation, match, environ, body, xml):
    """The input members of a rest-json or rest-xml request whose path matched its route."""
    shape = operation.input_shape
    if shape is None:
        return {}
    labels = match.groupdict()
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    found = body_members(shape, body, xml)
    for name, member in shape.members.items():
        value = located(member, labels, query, environ)
        if value is not None:
            found[name] = value
    return found
