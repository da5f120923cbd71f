"""AWS Cloud Map (servicediscovery) as AWS answers it, where moto departs (see emulator.py's
docstring): a namespace name taken (and CreatorRequestId's retries), deletes of a namespace or
service that still holds services or instances, and the Filters of ListNamespaces and
ListServices.

Facts come from the Cloud Map API reference (botocore's model: NamespaceAlreadyExists carries
CreatorRequestId and NamespaceId; ResourceInUse; NamespaceFilter, ServiceFilter) and, for the
wording of errors, from AWS's answers as reported publicly; where no wording was found the
message is this module's own (marked "own wording")."""

import json
import threading

import emulator_wire as wire
from emulator_wire import error_response, json_body

ACTIONS = ("CreateHttpNamespace", "DeleteNamespace", "DeleteService")
# What each filter Name of ListNamespaces and ListServices compares, per object. Every object of
# the emulator belongs to its one account: RESOURCE_OWNER SELF keeps all, OTHER_ACCOUNTS none.
NAMESPACE_FIELDS = {
    "TYPE": lambda namespace: namespace.type,
    "NAME": lambda namespace: namespace.name,
    # AWS gives every namespace an HttpName, its Name "in most cases" (API reference:
    # DiscoverInstances.NamespaceName); moto gives DNS namespaces none.
    "HTTP_NAME": lambda namespace: (namespace.http_properties or {}).get("HttpName")
    or namespace.name,
    "RESOURCE_OWNER": lambda namespace: "SELF",
}
SERVICE_FIELDS = {
    "NAMESPACE_ID": lambda service: service.namespace_id,
    "RESOURCE_OWNER": lambda service: "SELF",
}


def refusal(code, message, **members):
    """(status, headers, body) of AWS's awsJson error, with the error shape's other members."""
    status, headers, body = error_response("servicediscovery", code, message, 400)
    members = {name: value for name, value in members.items() if value is not None}
    if not members:
        return status, headers, body
    body = json.dumps({**json.loads(body), **members}).encode()
    return status, [h for h in headers if h[0] != "Content-Length"] + [
        ("Content-Length", str(len(body)))], body


def create_http_namespace(backend, request):
    """A Name that a namespace of the region (of any type) has is refused with
    NamespaceAlreadyExists, which names that namespace, unless the request repeats the
    CreatorRequestId that created it: a retried create, answered with the original operation
    (moto makes a second namespace of that name)."""
    name = request.get("Name")
    existing = next((ns for ns in backend.namespaces.values() if ns.name == name), None)
    if existing is None:
        return None
    token = request.get("CreatorRequestId")
    if token is not None and token == existing.creator_request_id:
        for operation in backend.operations.values():
            if (operation.operation_type == "CREATE_NAMESPACE"
                    and operation.targets.get("NAMESPACE") == existing.id):
                return wire.json_response("servicediscovery", "CreateHttpNamespace",
                                          {"OperationId": operation.id})
    return refusal("NamespaceAlreadyExists", f"Namespace with name {name} already exists.",
                   CreatorRequestId=existing.creator_request_id,
                   NamespaceId=existing.id)  # own wording


def delete_namespace(backend, request):
    """A namespace that still holds Cloud Map services stays: ResourceInUse (moto deletes it).
    An unknown Id is left to moto (NamespaceNotFound)."""
    namespace_id = request.get("Id")
    if namespace_id in backend.namespaces and any(
            service.namespace_id == namespace_id for service in backend.services.values()):
        # AWS's words, as reported by Terraform's users.
        return refusal("ResourceInUse", "Namespace has associated services; delete the "
                       "services before deleting the namespace")
    return None


def delete_service(backend, request):
    """A service that still has registered instances stays: ResourceInUse (moto deletes it)."""
    service = backend.services.get(request.get("Id"))
    if service is not None and service.instances:
        # AWS's words, as reported by Terraform's users.
        return refusal("ResourceInUse", "Service contains registered instances; delete the "
                       "instances before deleting the service")
    return None


CHECKS = {"CreateHttpNamespace": create_http_namespace, "DeleteNamespace": delete_namespace,
          "DeleteService": delete_service}


# --- Filters of ListNamespaces and ListServices ----------------------------------------------

def matches(value, condition, values):
    """Whether a member's value meets a filter: EQ (the default) and BEGINS_WITH take one value,
    IN any of them."""
    if value is None or not values:
        return False
    if condition == "IN":
        return value in values
    if condition == "BEGINS_WITH":
        return value.startswith(values[0])
    return value == values[0]


def filtered(objects, filters, fields):
    """The objects that meet every filter (one whose Name is not in fields is ignored)."""
    kept = list(objects)
    for item in filters or []:
        field = fields.get(item.get("Name"))
        if field is None:
            continue
        values = [str(value) for value in item.get("Values") or []]
        if item.get("Name") == "NAMESPACE_ID":  # a namespace ID or ARN (.../namespace/<ID>)
            values = [value.rsplit("/", 1)[-1] for value in values]
        kept = [obj for obj in kept if matches(field(obj), item.get("Condition"), values)]
    return kept


def install():
    """Makes moto's ListNamespaces and ListServices answer only what their Filters select
    (moto ignores Filters and answers every namespace or service of the region)."""
    from moto.servicediscovery.responses import ServiceDiscoveryResponse as response

    def list_namespaces(self):
        namespaces = filtered(self.servicediscovery_backend.list_namespaces(),
                              json_body(self.body).get("Filters"), NAMESPACE_FIELDS)
        return 200, {}, json.dumps({"Namespaces": [ns.to_json() for ns in namespaces]})

    def list_services(self):
        services = filtered(self.servicediscovery_backend.list_services(),
                            json_body(self.body).get("Filters"), SERVICE_FIELDS)
        return json.dumps({"Services": [service.to_json() for service in services]})

    response.list_namespaces, response.list_services = list_namespaces, list_services


class CloudMap:
    """AWS's answers to ACTIONS where moto's differ, given before moto runs them."""

    def __init__(self):
        self.lock = threading.Lock()

    def check(self, environ, action, body):
        """(status, headers, body) of AWS's answer to the request, or None to run it in moto."""
        with self.lock:
            answer = CHECKS[action](wire.backend("servicediscovery", wire.region(environ)),
                                    json_body(body))
        if answer is None:
            return None
        # A call moto does not see is authorized here as moto would (when it enforces IAM).
        return wire.iam_refusal("servicediscovery", environ, action, body) or answer
