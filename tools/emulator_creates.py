"""AWS's answers to creating an object that already exists, where moto's differ (the case a
retried create after a lost response hits), given before moto runs the create:
- ELBv2 CreateLoadBalancer / CreateTargetGroup with a taken name, CreateListener on a taken
  port: the existing object (AWS returns it for the same settings; moto makes a second load
  balancer or listener, or refuses the group);
- Auto Scaling CreateAutoScalingGroup with a taken name: AlreadyExists (moto replaces the group);
- ECS CreateCapacityProvider with a taken name: ClientException (moto replaces it);
- ECS CreateService of a service that is ACTIVE or DRAINING: InvalidParameterException "Creation
  of service was not idempotent", unless it repeats the clientToken that created it (moto
  replaces the service)."""

import io
import threading

import emulator_wire as wire
from emulator_wire import error_response, json_body, query_param


# ELBv2 creates of objects named by the request: the backend's objects and the describe call
# that answers with the existing one.
NAMED_BY_CREATE = {
    "CreateLoadBalancer": ("load_balancers", "DescribeLoadBalancers"),
    "CreateTargetGroup": ("target_groups", "DescribeTargetGroups"),
}


class RepeatedCreates:
    """AWS's answers to creating an object that already exists, where moto's differ."""

    def __init__(self):
        self.lock = threading.Lock()
        # (region, cluster name, service name) -> clientToken of the CreateService that made it
        self.service_tokens = {}

    @staticmethod
    def backend(name, region):
        return wire.backend(name, region)

    @staticmethod
    def region(environ):
        return wire.region(environ)

    def answer(self, moto, environ, service, action, body):
        """(status, headers, body) to send instead of running the call, or None to run it."""
        region = self.region(environ)
        if service == "elasticloadbalancing" and action in NAMED_BY_CREATE:
            objects, describe = NAMED_BY_CREATE[action]
            name = query_param(body, "Name")
            backend = self.backend("elbv2", region)
            if any(o.name == name for o in getattr(backend, objects).values()):
                return self.existing(moto, environ, describe, action, f"Names.member.1={name}")
        if service == "elasticloadbalancing" and action == "CreateListener":
            arn = query_param(body, "LoadBalancerArn")
            port = query_param(body, "Port")
            balancer = self.backend("elbv2", region).load_balancers.get(arn)
            taken = [listener for listener in (balancer.listeners.values() if balancer else [])
                     if str(listener.port) == str(port)]
            if taken:
                return self.existing(moto, environ, "DescribeListeners", "CreateListener",
                                     f"ListenerArns.member.1={taken[0].arn}")
        if service == "autoscaling" and action == "CreateAutoScalingGroup":
            name = query_param(body, "AutoScalingGroupName")
            if name in self.backend("autoscaling", region).autoscaling_groups:
                return error_response(service, "AlreadyExists",
                                      f"AutoScalingGroup by this name already exists - A group "
                                      f"with the name {name} already exists", 400)
        if service == "ecs" and action == "CreateCapacityProvider":
            name = json_body(body).get("name")
            if name in self.backend("ecs", region).capacity_providers:
                return error_response(service, "ClientException",
                                      "The specified capacity provider already exists. To change "
                                      "the configuration of an existing capacity provider, "
                                      "update the capacity provider.", 400)
        if service == "ecs" and action == "CreateService":
            return self.create_service(region, json_body(body))
        return None

    def create_service(self, region, request):
        cluster = (request.get("cluster") or "default").rsplit("/", 1)[-1]
        name = request.get("serviceName")
        token = request.get("clientToken")
        backend = self.backend("ecs", region)
        existing = backend.services.get(f"{cluster}:{name}")
        key = (region, cluster, name)
        with self.lock:
            if existing is not None and existing.status in ("ACTIVE", "DRAINING"):
                if token is None or self.service_tokens.get(key) != token:
                    return error_response("ecs", "InvalidParameterException",
                                          "Creation of service was not idempotent.", 400)
                return None
            self.service_tokens[key] = token
        return None

    @staticmethod
    def existing(moto, environ, describe_action, create_action, selector):
        """The existing object, answered in the create's response shape."""
        request = f"Action={describe_action}&Version=2015-12-01&{selector}".encode()
        inner = dict(environ)
        inner["wsgi.input"] = io.BytesIO(request)
        inner["CONTENT_LENGTH"] = str(len(request))
        inner["CONTENT_TYPE"] = "application/x-www-form-urlencoded; charset=utf-8"
        inner["QUERY_STRING"] = ""
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = status

        text = b"".join(moto(inner, capture)).decode("utf-8")
        text = text.replace(f"{describe_action}Response", f"{create_action}Response")
        text = text.replace(f"{describe_action}Result", f"{create_action}Result")
        payload = text.encode()
        status = int(captured.get("status", "200 OK").split(" ", 1)[0])
        return status, [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))], payload


