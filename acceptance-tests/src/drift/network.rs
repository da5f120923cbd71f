//! The network: security group rules and groups, the Name tags of EC2 objects, VPCs, subnets and
//! their routes, key pairs.

use aws_sdk_ec2::types::{IpPermission, IpRange, Tag};

use crate::aws_check::Aws;
use crate::aws_check::network::filter;
use crate::emulator::REGION;

/// TCP on one port, from or to a CIDR block.
pub fn tcp(port: i32, cidr: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
        .build()
}

/// Every protocol and port, from or to a CIDR block.
pub fn all_traffic(cidr: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("-1")
        .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
        .build()
}

/// Allows `rule` into a security group.
pub async fn add_ingress_rule(aws: &Aws, group_id: &str, rule: IpPermission) {
    aws.ec2
        .authorize_security_group_ingress()
        .group_id(group_id)
        .ip_permissions(rule)
        .send()
        .await
        .unwrap_or_else(|e| panic!("add an ingress rule to {group_id}: {e}"));
}

/// Removes the IPv4 ingress rule of a security group for `port` from `cidr`, by its rule id.
pub async fn revoke_ingress_rule(aws: &Aws, group_id: &str, port: i32, cidr: &str) {
    let rules = aws
        .ec2
        .describe_security_group_rules()
        .filters(filter("group-id", group_id))
        .send()
        .await
        .expect("describe security group rules");
    let rule_id = rules
        .security_group_rules()
        .iter()
        .find(|r| {
            r.is_egress() == Some(false)
                && r.from_port() == Some(port)
                && r.cidr_ipv4() == Some(cidr)
        })
        .and_then(|r| r.security_group_rule_id())
        .unwrap_or_else(|| panic!("no ingress rule for {port} from {cidr} in {group_id}"))
        .to_owned();
    aws.ec2
        .revoke_security_group_ingress()
        .group_id(group_id)
        .security_group_rule_ids(rule_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("revoke {port} from {cidr} in {group_id}: {e}"));
}

/// Allows `rule` out of a security group.
pub async fn add_egress_rule(aws: &Aws, group_id: &str, rule: IpPermission) {
    aws.ec2
        .authorize_security_group_egress()
        .group_id(group_id)
        .ip_permissions(rule)
        .send()
        .await
        .unwrap_or_else(|e| panic!("add an egress rule to {group_id}: {e}"));
}

/// Removes `rule` from the egress rules of a security group.
pub async fn revoke_egress_rule(aws: &Aws, group_id: &str, rule: IpPermission) {
    aws.ec2
        .revoke_security_group_egress()
        .group_id(group_id)
        .ip_permissions(rule)
        .send()
        .await
        .unwrap_or_else(|e| panic!("revoke an egress rule of {group_id}: {e}"));
}

/// Creates a security group in a VPC; returns its id.
pub async fn create_security_group(
    aws: &Aws,
    vpc_id: &str,
    name: &str,
    description: &str,
) -> String {
    aws.ec2
        .create_security_group()
        .group_name(name)
        .description(description)
        .vpc_id(vpc_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create security group {name}: {e}"))
        .group_id()
        .expect("security group id")
        .to_owned()
}

/// Deletes a security group.
pub async fn delete_security_group(aws: &Aws, group_id: &str) {
    aws.ec2
        .delete_security_group()
        .group_id(group_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete security group {group_id}: {e}"));
}

/// Sets one tag on EC2 objects (security groups, launch templates...).
pub async fn tag_ec2_objects(aws: &Aws, resource_ids: &[&str], key: &str, value: &str) {
    aws.ec2
        .create_tags()
        .set_resources(Some(
            resource_ids.iter().map(|id| (*id).to_owned()).collect(),
        ))
        .tags(Tag::builder().key(key).value(value).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("tag {resource_ids:?} with {key}: {e}"));
}

/// Removes one tag from an EC2 object, whatever its value.
pub async fn untag_ec2_object(aws: &Aws, resource_id: &str, key: &str) {
    aws.ec2
        .delete_tags()
        .resources(resource_id)
        .tags(Tag::builder().key(key).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("remove tag {key} from {resource_id}: {e}"));
}

/// Creates a key pair.
pub async fn create_key_pair(aws: &Aws, name: &str) {
    aws.ec2
        .create_key_pair()
        .key_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create key pair {name}: {e}"));
}

/// Creates a VPC; returns its id.
pub async fn create_vpc(aws: &Aws, cidr: &str) -> String {
    aws.ec2
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create VPC {cidr}: {e}"))
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("VPC id")
        .to_owned()
}

/// Creates a subnet in the Availability Zone `az` (`a`, `b`...) of the test region; returns its
/// id.
pub async fn create_subnet(aws: &Aws, vpc_id: &str, cidr: &str, az: &str) -> String {
    aws.ec2
        .create_subnet()
        .vpc_id(vpc_id)
        .cidr_block(cidr)
        .availability_zone(format!("{REGION}{az}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create subnet {cidr}: {e}"))
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id")
        .to_owned()
}

/// Associates a subnet with a route table.
pub async fn associate_route_table(aws: &Aws, route_table_id: &str, subnet_id: &str) {
    aws.ec2
        .associate_route_table()
        .route_table_id(route_table_id)
        .subnet_id(subnet_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("associate {subnet_id} with {route_table_id}: {e}"));
}

/// Adds a default route (`0.0.0.0/0`) to an internet gateway to a route table.
pub async fn route_to_internet_gateway(aws: &Aws, route_table_id: &str, gateway_id: &str) {
    aws.ec2
        .create_route()
        .route_table_id(route_table_id)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(gateway_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("route {route_table_id} to {gateway_id}: {e}"));
}
