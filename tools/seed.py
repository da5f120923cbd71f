"""Seeds the local emulator with what a user brings to ecsprod (a VPC with two public and two
private subnets in two Availability Zones, routed through an internet gateway and a NAT gateway,
an ACM certificate, a hosted zone, an SSM SecureString
and a Secrets Manager secret) and prints them as Terraform variables (JSON) for
examples/complete.

Usage: seed.py ENDPOINT_URL
"""

import json
import sys

import boto3

REGION = "ap-south-1"


def main() -> None:
    endpoint = sys.argv[1]
    session = boto3.session.Session(
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="demo-secret",
        region_name=REGION,
    )

    def client(name):
        return session.client(name, endpoint_url=endpoint)

    ec2 = client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    subnets = {"public": [], "private": []}
    for i, (az, kind) in enumerate([("a", "public"), ("b", "public"), ("a", "private"), ("b", "private")]):
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"{REGION}{az}"
        )["Subnet"]["SubnetId"]
        subnets[kind].append(subnet)
    # Public subnets route to the internet gateway; private ones only through a NAT gateway in
    # the first public subnet (the load balancer is internet-facing, the instances are not).
    public_table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets["public"][0], AllocationId=allocation)
    private_table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(
        RouteTableId=private_table,
        DestinationCidrBlock="0.0.0.0/0",
        NatGatewayId=nat["NatGateway"]["NatGatewayId"],
    )
    for kind, table in [("public", public_table), ("private", private_table)]:
        for subnet in subnets[kind]:
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    domain = "demo.ecsprod.test"
    cert = client("acm").request_certificate(
        DomainName=f"*.{domain}", SubjectAlternativeNames=[domain], ValidationMethod="DNS"
    )["CertificateArn"]
    zone = client("route53").create_hosted_zone(Name=domain, CallerReference="ecsprod-demo")
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    client("ssm").put_parameter(
        Name="/demo/api/database-url", Value="postgres://demo@db/app", Type="SecureString"
    )
    secret = client("secretsmanager").create_secret(
        Name="demo/api/token", SecretString="demo-token"
    )["ARN"]
    print(
        json.dumps(
            {
                "environment": "demo",
                "vpc_id": vpc_id,
                "public_subnet_ids": subnets["public"],
                "private_subnet_ids": subnets["private"],
                "certificate_arn": cert,
                "domain": domain,
                "zone_id": zone_id,
                "min_size": 1,
                "max_size": 3,
                "deletion_protection": False,
                "api_image": "public.ecr.aws/nginx/nginx:1.27",
                "web_services": {"www": "public.ecr.aws/nginx/nginx:1.27"},
                "database_url_parameter_arn": f"arn:aws:ssm:{REGION}:123456789012:parameter/demo/api/database-url",
                "api_token_secret_arn": secret,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
