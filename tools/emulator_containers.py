"""ECS containers, clusters and Service Connect as AWS answers them, where moto departs (see
emulator.py's docstring): task definitions' container health checks (AWS's defaults kept) and
the checks RegisterTaskDefinition makes of containers, dependencies and sizes; services'
enableExecuteCommand; clusters' executeCommandConfiguration and serviceConnectDefaults; the
serviceConnectConfiguration of each service deployment, with the Cloud Map services ECS makes.

Facts come from the ECS API reference (botocore's model) and, for the wording of errors, from
AWS's answers as reported publicly; where no wording was found the message is this module's own,
naming the member (marked "own wording")."""

import copy
import threading

import emulator_wire as wire
from emulator_deployment_checks import enum_violation, invalid
from emulator_deployment_stages import track
from emulator_wire import Refused, error_response, json_body

ACTIONS = ("RegisterTaskDefinition", "CreateCluster", "UpdateCluster", "CreateService",
           "UpdateService")
# HealthCheck: AWS's defaults, and the documented range of each member.
HEALTH_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3}
HEALTH_RANGES = (("interval", 5, 300, " seconds"), ("timeout", 2, 60, " seconds"),
                 ("retries", 1, 10, ""), ("startPeriod", 0, 300, " seconds"))
CONDITIONS = ("START", "COMPLETE", "SUCCESS", "HEALTHY")
FARGATE_STOP_TIMEOUT = (2, 120)  # ContainerDefinition.stopTimeout: "valid values for Fargate"
LOGGING = ("NONE", "DEFAULT", "OVERRIDE")
CONFIGURATION_PATH = "DescribeClustersResponse.clusters.Cluster.configuration"


def client_error(message):
    return Refused("ClientException", message)


def not_found(namespace):
    # AWS's words, as reported for CreateService with an unknown namespace.
    return Refused("NamespaceNotFoundException", f"Failed to retrieve namespace for {namespace}")


# --- Task definitions ------------------------------------------------------------------------

def with_health_defaults(container):
    """A container definition whose healthCheck carries AWS's defaults for what it leaves out
    (startPeriod stays out unless given: it is off by default)."""
    check = container.get("healthCheck")
    if not isinstance(check, dict):
        return container
    return {**container, "healthCheck": {**check, **{
        member: value for member, value in HEALTH_DEFAULTS.items() if check.get(member) is None}}}


def whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_health(name, check):
    command = check.get("command")
    if not isinstance(command, list) or not command:
        raise client_error(f"Invalid setting for container '{name}'. healthCheck.command must "
                           "not be empty.")  # own wording
    for member, least, most, unit in HEALTH_RANGES:
        value = check.get(member)
        if value is not None and (not whole(value) or not least <= value <= most):
            raise client_error(f"Invalid setting for container '{name}'. healthCheck.{member} "
                               f"must be between {least} and {most}{unit}, got {value}.")


def essential(container):
    return container.get("essential") is not False  # omitted: essential


def check_dependencies(containers):
    by_name = {c["name"]: c for c in containers}
    for container in containers:
        for dependency in container.get("dependsOn") or []:
            target, condition = dependency.get("containerName"), dependency.get("condition")
            if target not in by_name:
                # AWS's words, " + " included, as reported by several of its users.
                raise client_error(f"Cannot depend on container + '{target}' because it does "
                                   "not exist")
            if condition not in CONDITIONS:
                raise client_error(f"Invalid setting for container '{container['name']}'. "
                                   f"dependsOn.condition '{condition}' is not one of "
                                   f"{', '.join(CONDITIONS)}.")  # own wording
            if condition == "HEALTHY" and not by_name[target].get("healthCheck"):
                raise client_error(f"Invalid setting for container '{container['name']}'. "
                                   f"dependsOn container '{target}' with condition HEALTHY "
                                   "has no healthCheck.")  # own wording
            if condition in ("COMPLETE", "SUCCESS") and essential(by_name[target]):
                raise client_error("A dependency container with SUCCESS or COMPLETE condition "
                                   "cannot be an essential container")
    cycle = dependency_cycle(by_name)
    if cycle:
        raise client_error(f"Invalid setting for container '{cycle[0]}'. dependsOn has a cycle: "
                           f"{' -> '.join(cycle)}.")  # own wording


def dependency_cycle(by_name):
    """The names along a dependsOn cycle (first name repeated last), or None."""
    state = {}

    def visit(name, path):
        state[name] = "open"
        for dependency in by_name[name].get("dependsOn") or []:
            target = dependency.get("containerName")
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state:
                found = visit(target, path + [target])
                if found:
                    return found
        state[name] = "done"
        return None

    for name in by_name:
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return None


def task_size(value, unit_words):
    """Task-level cpu or memory as a number: an integer, or a string of an integer or of a
    number followed by one of unit_words (vCPU -> 1024 units, GB -> 1024 MiB); None if not."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    for word in unit_words:
        if text.lower().endswith(word):
            try:
                return float(text[:-len(word)].strip()) * 1024
            except ValueError:
                return None
    return None


def check_sizes(request, containers):
    memory = task_size(request.get("memory"), ("gb",))
    cpu = task_size(request.get("cpu"), ("vcpu",))
    if memory is not None:
        for container in containers:
            if whole(container.get("memory")) and container["memory"] > memory:
                raise client_error(f"The 'memory' setting for container '{container['name']}' "
                                   "is greater than for the task.")
        for member in ("memory", "memoryReservation"):
            if sum(c[member] for c in containers if whole(c.get(member))) > memory:
                raise client_error(f"The sum of all container '{member}' values cannot be "
                                   "greater than the value of the task 'memory'.")
    if cpu is not None and sum(c["cpu"] for c in containers if whole(c.get("cpu"))) > cpu:
        raise client_error("The sum of all container 'cpu' values cannot be greater than the "
                           "value of the task 'cpu'.")


def check_task_definition(request):
    """AWS's checks of a RegisterTaskDefinition request that moto does not make. Containers
    without a name or image are left to moto, which answers them as AWS does."""
    containers = request.get("containerDefinitions")
    if not isinstance(containers, list) or not containers or not all(
            isinstance(c, dict) and c.get("name") and c.get("image") for c in containers):
        return
    seen = set()
    for container in containers:
        name = container["name"]
        if name in seen:
            raise client_error(f"Invalid setting for container '{name}'. Container names must "
                               "be unique within a task definition.")  # own wording
        seen.add(name)
        if container.get("healthCheck") is not None:
            check_health(name, container["healthCheck"])
        stop = container.get("stopTimeout")
        least, most = FARGATE_STOP_TIMEOUT
        if stop is not None and "FARGATE" in (request.get("requiresCompatibilities") or []) and (
                not whole(stop) or not least <= stop <= most):
            raise client_error(f"Invalid setting for container '{name}'. stopTimeout must be "
                               f"between {least} and {most} seconds for Fargate, got {stop}.")
    if not any(essential(c) for c in containers):
        # AWS's words (the API reference: "All tasks must have at least one essential
        # container").
        raise client_error("Task definition doesn't have any essential container.")
    check_dependencies(containers)
    check_sizes(request, containers)


# --- Clusters --------------------------------------------------------------------------------

def check_execute_command(configuration):
    execute = (configuration or {}).get("executeCommandConfiguration")
    if not execute:
        return
    logging = execute.get("logging")
    if logging is not None and logging not in LOGGING:
        raise enum_violation(logging, "configuration.executeCommandConfiguration.logging", LOGGING)
    supplied = execute.get("logConfiguration") is not None
    if supplied and logging != "OVERRIDE":
        raise invalid("You must set logging to 'OVERRIDE' when you supply a log configuration")
    if logging == "OVERRIDE" and not supplied:
        raise invalid("You must supply a log configuration when you set logging to "
                      "'OVERRIDE'")  # own wording, after AWS's above


def namespace_of(region, name_or_arn):
    """moto's Cloud Map namespace of that name or ARN in the region, or None."""
    for namespace in wire.backend("servicediscovery", region).namespaces.values():
        if name_or_arn in (namespace.arn, namespace.name):
            return namespace
    return None


def cluster_namespace(region, defaults):
    """serviceConnectDefaults.namespace of CreateCluster/UpdateCluster: an existing namespace,
    or, for a new name, the HTTP namespace ECS creates in Cloud Map (API reference:
    ClusterServiceConnectDefaultsRequest). An ARN must exist."""
    name = (defaults or {}).get("namespace")
    if not name or namespace_of(region, name) is not None:
        return
    if name.startswith("arn:"):
        raise not_found(name)
    wire.backend("servicediscovery", region).create_http_namespace(
        name=name, creator_request_id=None, description=None, tags=[])


def check_cluster(action, request, region):
    check_execute_command(request.get("configuration"))
    if action == "UpdateCluster":
        ecs = wire.backend("ecs", region)
        if (request.get("cluster") or "").rsplit("/", 1)[-1] not in ecs.clusters:
            return  # moto answers ClusterNotFoundException
    cluster_namespace(region, request.get("serviceConnectDefaults"))


# --- Service Connect -------------------------------------------------------------------------

def service_namespace(region, cluster_name, connect):
    """The namespace (name or ARN) a Service Connect configuration uses: its own, else the
    cluster's serviceConnectDefaults."""
    if connect.get("namespace"):
        return connect["namespace"]
    cluster = wire.backend("ecs", region).clusters.get(cluster_name)
    return ((cluster.service_connect_defaults or {}) if cluster else {}).get("namespace")


def port_names(region, task_definition):
    """The portMappings[].name of the task definition's containers, or None if it is unknown."""
    try:
        found = wire.backend("ecs", region).describe_task_definition(task_definition)
    except Exception:  # moto's TaskDefinitionNotFoundException: moto answers it
        return None
    return {mapping.get("name") for container in found.container_definitions
            for mapping in container.get("portMappings") or [] if mapping.get("name")}


def check_connect(region, cluster_name, connect, task_definition):
    if not connect or not connect.get("enabled"):
        return
    namespace = service_namespace(region, cluster_name, connect)
    if not namespace:
        raise invalid("serviceConnectConfiguration.namespace is required: the cluster has no "
                      "serviceConnectDefaults namespace.")  # own wording
    if namespace_of(region, namespace) is None:
        raise not_found(namespace)
    names = port_names(region, task_definition) if task_definition else None
    if names is None:
        return
    for entry in connect.get("services") or []:
        if entry.get("portName") not in names:
            raise invalid(f"serviceConnectConfiguration.services.portName "
                          f"'{entry.get('portName')}' does not match the name of any "
                          f"portMappings in the task definition {task_definition}."
                          )  # own wording


def check_service(action, request, region):
    cluster_name = (request.get("cluster") or "default").rsplit("/", 1)[-1]
    if cluster_name not in wire.backend("ecs", region).clusters:
        return  # moto answers ClusterNotFoundException
    if action == "CreateService":
        check_connect(region, cluster_name, request.get("serviceConnectConfiguration"),
                      request.get("taskDefinition"))
        return
    service = wire.backend("ecs", region).services.get(
        f"{cluster_name}:{(request.get('service') or '').rsplit('/', 1)[-1]}")
    if service is None or service.status != "ACTIVE":
        return  # moto, or the deployments, answer it
    connect = request.get("serviceConnectConfiguration")
    if connect is None and request.get("taskDefinition"):  # the new revision keeps the current
        latest = track(service).deployments
        connect = latest[0].target.get("serviceConnectConfiguration") if latest else None
    check_connect(region, cluster_name, connect,
                  request.get("taskDefinition") or service.task_definition)


def discovery(region, namespace_id, name):
    """The Cloud Map service ECS makes for a Service Connect discovery name (API reference:
    ServiceConnectService.discoveryName), made on first use."""
    backend = wire.backend("servicediscovery", region)
    for found in backend.services.values():
        if found.namespace_id == namespace_id and found.name == name:
            return found
    return backend.create_service(
        name=name, namespace_id=namespace_id, creator_request_id=None, description=None,
        dns_config=None, health_check_config=None, health_check_custom_config=None, tags=[],
        service_type="HTTP")


def connect_entry(entry, revision, service):
    """A deployment of DescribeServices with its revision's serviceConnectConfiguration and,
    when enabled, serviceConnectResources (one per services[] entry, discoveryName defaulting
    to portName)."""
    entry.pop("serviceConnectConfiguration", None)
    entry.pop("serviceConnectResources", None)
    connect = (revision or {}).get("serviceConnectConfiguration")
    if connect is None:
        return
    entry["serviceConnectConfiguration"] = copy.deepcopy(connect)
    if not connect.get("enabled"):
        return
    region = service.region_name
    namespace = namespace_of(region, service_namespace(region, service.cluster_name, connect) or "")
    resources = []
    for item in (connect.get("services") or []) if namespace else []:
        name = item.get("discoveryName") or item.get("portName")
        resources.append({"discoveryName": name,
                          "discoveryArn": discovery(region, namespace.id, name).arn})
    entry["serviceConnectResources"] = resources


# --- Patches of moto and of the deployments --------------------------------------------------

def install():
    """Patches moto's ECS models and responses, and the service deployments' entries (once)."""
    from moto.ecs import models, responses

    from emulator_deployment_stages import Deployment

    register = models.TaskDefinition.__init__

    def task_definition(self, *args, **kwargs):
        register(self, *args, **kwargs)
        self.container_definitions = [with_health_defaults(c) for c in self.container_definitions]

    models.TaskDefinition.__init__ = task_definition
    # enableExecuteCommand: false unless set (moto's CreateService drops it; its UpdateService
    # sets the attribute only when the request has it, which keeps the current value otherwise).
    models.Service.enable_execute_command = False
    response = responses.EC2ContainerServiceResponse
    create_service = response.create_service

    def create(self):
        result = create_service(self)
        self.ecs_backend._get_service(self._get_param("cluster", "default"),
                                      self._get_param("serviceName")).enable_execute_command = (
            bool(self._get_param("enableExecuteCommand", False)))
        return result

    response.create_service = create
    describe_clusters = response.describe_clusters

    def describe(self):
        if "CONFIGURATIONS" in (self._get_param("include") or []):
            self._include_in_response(CONFIGURATION_PATH)
        else:  # API reference: without CONFIGURATIONS the configuration is not included
            self._exclude_from_response(CONFIGURATION_PATH)
        return describe_clusters(self)

    response.describe_clusters = describe
    update_cluster = models.EC2ContainerServiceBackend.update_cluster

    def update(self, cluster_name, cluster_settings, configuration, service_connect_defaults):
        cluster = update_cluster(self, cluster_name, cluster_settings, configuration,
                                 service_connect_defaults)
        if (service_connect_defaults or {}).get("namespace") == "":
            cluster.service_connect_defaults = None  # "" removes the cluster's defaults
        return cluster

    models.EC2ContainerServiceBackend.update_cluster = update
    start, fail = Deployment.__init__, Deployment.fail

    def started(self, service, target, *args, **kwargs):
        start(self, service, target, *args, **kwargs)
        connect_entry(self.entry, target, service)

    def failed(self, service, at):
        fail(self, service, at)
        if self.rollback_entry is not None:
            connect_entry(self.rollback_entry, self.source, service)

    Deployment.__init__, Deployment.fail = started, failed


CHECKS = {"RegisterTaskDefinition": lambda action, request, region: check_task_definition(request),
          "CreateCluster": check_cluster, "UpdateCluster": check_cluster,
          "CreateService": check_service, "UpdateService": check_service}


class Containers:
    """AWS's checks of ACTIONS, made before moto runs them."""

    def __init__(self):
        self.lock = threading.Lock()

    def check(self, environ, action, body):
        """(status, headers, body) of AWS's error for the request, or None to run it."""
        try:
            with self.lock:
                CHECKS[action](action, json_body(body), wire.region(environ))
        except Refused as refused:
            return error_response("ecs", refused.code, refused.message, 400)
        return None
