//! The seed: what a user brings to a stack (network, certificate, zone, secrets), made in the
//! emulator or read from a file.

use crate::emulator::REGION;

/// What a user brings: the network, a certificate, a zone and two secrets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seed {
    pub vpc_id: String,
    pub public_subnet_ids: Vec<String>,
    pub private_subnet_ids: Vec<String>,
    pub certificate_arn: String,
    pub zone_id: String,
    pub domain: String,
    pub parameter_arn: String,
    pub secret_arn: String,
    /// The customer-managed KMS key that encrypts the SecureString.
    pub kms_key_arn: String,
    /// The secret values, so tests can prove they never leak.
    pub parameter_value: String,
    pub secret_value: String,
}

/// A seed from a JSON file with the fields of [`Seed`].
pub fn seed_from_file(path: &std::path::Path) -> Seed {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("seed file {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("seed file {} is not a seed object: {e}", path.display()))
}

/// The seed `ECSPROD_TEST_SEED` names, or else a new one.
pub async fn seed(config: &aws_config::SdkConfig) -> Seed {
    match std::env::var_os("ECSPROD_TEST_SEED") {
        Some(path) => seed_from_file(std::path::Path::new(&path)),
        None => new_seed(config).await,
    }
}

/// A new seed made in the emulator. Names are unique to each seed, so that several can live on
/// one endpoint.
pub async fn new_seed(config: &aws_config::SdkConfig) -> Seed {
    static SEEDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let unique = format!(
        "{}-{}",
        std::process::id(),
        SEEDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let ec2 = aws_sdk_ec2::Client::new(config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.42.0.0/16")
        .send()
        .await
        .expect("create VPC");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("VPC id")
        .to_owned();
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .expect("create IGW");
    let igw_id = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("IGW id")
        .to_owned();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("attach IGW");
    let mut public = Vec::new();
    let mut private = Vec::new();
    for (i, (az, kind)) in [
        ("a", "public"),
        ("b", "public"),
        ("a", "private"),
        ("b", "private"),
    ]
    .iter()
    .enumerate()
    {
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(format!("10.42.{i}.0/24"))
            .availability_zone(format!("{REGION}{az}"))
            .send()
            .await
            .expect("create subnet");
        let id = subnet
            .subnet()
            .and_then(|s| s.subnet_id())
            .expect("subnet id")
            .to_owned();
        if *kind == "public" {
            public.push(id);
        } else {
            private.push(id);
        }
    }
    // Public subnets route to the internet gateway; private ones only through a NAT gateway (in
    // the first public subnet). The VPC's main route table keeps only its local route.
    let route_table = |name: &'static str| {
        let ec2 = ec2.clone();
        let vpc_id = vpc_id.clone();
        async move {
            ec2.create_route_table()
                .vpc_id(&vpc_id)
                .send()
                .await
                .unwrap_or_else(|e| panic!("create {name} route table: {e}"))
                .route_table()
                .and_then(|t| t.route_table_id())
                .expect("route table id")
                .to_owned()
        }
    };
    let public_table = route_table("public").await;
    ec2.create_route()
        .route_table_id(&public_table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw_id)
        .send()
        .await
        .expect("route to the internet gateway");
    let address = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .expect("allocate the NAT gateway's address");
    let nat_id = ec2
        .create_nat_gateway()
        .subnet_id(&public[0])
        .allocation_id(address.allocation_id().expect("allocation id"))
        .send()
        .await
        .expect("create NAT gateway")
        .nat_gateway()
        .and_then(|n| n.nat_gateway_id())
        .expect("NAT gateway id")
        .to_owned();
    let private_table = route_table("private").await;
    ec2.create_route()
        .route_table_id(&private_table)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat_id)
        .send()
        .await
        .expect("route to the NAT gateway");
    for (table, subnets) in [(&public_table, &public), (&private_table, &private)] {
        for subnet in subnets {
            ec2.associate_route_table()
                .route_table_id(table)
                .subnet_id(subnet)
                .send()
                .await
                .expect("associate route table");
        }
    }
    let domain = "ecsprod.test".to_owned();
    let acm = aws_sdk_acm::Client::new(config);
    let certificate_arn = acm
        .request_certificate()
        .domain_name(format!("*.{domain}"))
        .subject_alternative_names(&domain)
        .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
        .send()
        .await
        .expect("request certificate")
        .certificate_arn()
        .expect("certificate ARN")
        .to_owned();
    let route53 = aws_sdk_route53::Client::new(config);
    let zone = route53
        .create_hosted_zone()
        .name(&domain)
        .caller_reference(format!("ecsprod-{unique}"))
        .send()
        .await
        .expect("create hosted zone");
    let zone_id = zone
        .hosted_zone()
        .map(|z| z.id().trim_start_matches("/hostedzone/").to_owned())
        .expect("zone id");
    let kms = aws_sdk_kms::Client::new(config);
    let key = kms
        .create_key()
        .description("ecsprod acceptance tests: SecureString key")
        .send()
        .await
        .expect("create KMS key");
    let key_metadata = key.key_metadata().expect("key metadata");
    let kms_key_arn = key_metadata.arn().expect("key ARN").to_owned();
    let parameter_value = format!("postgres://app:p4ss-{unique}@db/app");
    let parameter_name = format!("/ecsprod-test/{unique}/database-url");
    let ssm = aws_sdk_ssm::Client::new(config);
    ssm.put_parameter()
        .name(&parameter_name)
        .value(&parameter_value)
        .key_id(key_metadata.key_id())
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("put parameter");
    // The key's ARN names the partition, region and account the parameter lives in too.
    let key_arn_parts: Vec<&str> = kms_key_arn.splitn(6, ':').collect();
    let (partition, region, account) = (key_arn_parts[1], key_arn_parts[3], key_arn_parts[4]);
    let parameter_arn = format!("arn:{partition}:ssm:{region}:{account}:parameter{parameter_name}");
    let secret_value = format!("token-{unique}-s3cr3t");
    let secrets = aws_sdk_secretsmanager::Client::new(config);
    let secret_arn = secrets
        .create_secret()
        .name(format!("ecsprod-test/{unique}/api-token"))
        .secret_string(&secret_value)
        .send()
        .await
        .expect("create secret")
        .arn()
        .expect("secret ARN")
        .to_owned();
    Seed {
        vpc_id,
        public_subnet_ids: public,
        private_subnet_ids: private,
        certificate_arn,
        zone_id,
        domain,
        parameter_arn,
        secret_arn,
        kms_key_arn,
        parameter_value,
        secret_value,
    }
}
