//! The network: security groups, route tables and the tags of EC2 objects.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, RouteTable, SecurityGroup};

use super::{Aws, tag_map};

/// An EC2 filter on one value.
pub(crate) fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

impl Aws {
    /// Every security group of a VPC (its default group included).
    pub async fn security_groups_in_vpc(&self, vpc_id: &str) -> Vec<SecurityGroup> {
        self.ec2
            .describe_security_groups()
            .filters(filter("vpc-id", vpc_id))
            .send()
            .await
            .expect("describe security groups")
            .security_groups()
            .to_vec()
    }

    /// The security group named `name` in a VPC.
    pub async fn security_group_named(&self, vpc_id: &str, name: &str) -> SecurityGroup {
        self.security_groups_in_vpc(vpc_id)
            .await
            .into_iter()
            .find(|g| g.group_name() == Some(name))
            .unwrap_or_else(|| panic!("no security group {name} in {vpc_id}"))
    }

    /// The id of the security group named `name` in a VPC.
    pub async fn security_group_id(&self, vpc_id: &str, name: &str) -> String {
        self.security_group_named(vpc_id, name)
            .await
            .group_id()
            .expect("security group id")
            .to_owned()
    }

    /// The security groups with these ids, read in one call.
    pub async fn security_groups(&self, ids: &[&str]) -> Vec<SecurityGroup> {
        self.ec2
            .describe_security_groups()
            .set_group_ids(Some(ids.iter().map(|id| (*id).to_owned()).collect()))
            .send()
            .await
            .expect("describe security groups")
            .security_groups()
            .to_vec()
    }

    /// The tags of an EC2 object (a security group, a launch template...).
    pub async fn ec2_tags(&self, resource_id: &str) -> BTreeMap<String, String> {
        let tags = self
            .ec2
            .describe_tags()
            .filters(filter("resource-id", resource_id))
            .send()
            .await
            .expect("describe tags");
        tag_map(tags.tags().iter().map(|t| (t.key(), t.value())))
    }

    /// The route table explicitly associated with a subnet.
    pub async fn route_table_of_subnet(&self, subnet_id: &str) -> RouteTable {
        self.ec2
            .describe_route_tables()
            .filters(filter("association.subnet-id", subnet_id))
            .send()
            .await
            .expect("describe route tables")
            .route_tables()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("subnet {subnet_id} has no route table"))
    }

    /// The id of a VPC's main route table.
    pub async fn main_route_table(&self, vpc_id: &str) -> String {
        self.ec2
            .describe_route_tables()
            .filters(filter("vpc-id", vpc_id))
            .filters(filter("association.main", "true"))
            .send()
            .await
            .expect("describe the main route table")
            .route_tables()
            .first()
            .and_then(|t| t.route_table_id())
            .unwrap_or_else(|| panic!("VPC {vpc_id} has no main route table"))
            .to_owned()
    }
}
