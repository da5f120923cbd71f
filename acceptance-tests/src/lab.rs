//! A test's laboratory: an emulator seeded with what a user brings, the SDK clients that read
//! and change it, and a Terraform working directory whose AWS calls go to it.

use crate::aws_check::Aws;
use crate::emulator::{Emulator, Seed, seed};
use crate::{Run, Workdir, runtime};

pub struct Lab {
    pub emulator: Emulator,
    pub rt: tokio::runtime::Runtime,
    pub sdk: aws_config::SdkConfig,
    pub seed: Seed,
    pub aws: Aws,
    pub work: Workdir,
}

impl Lab {
    /// A private emulator (or the endpoint `ECSPROD_TEST_ENDPOINT` names), seeded.
    pub fn start() -> Self {
        Self::on(Emulator::start())
    }

    /// `emulator`, seeded (or with the seed `ECSPROD_TEST_SEED` names).
    pub fn on(emulator: Emulator) -> Self {
        let rt = runtime();
        let sdk = rt.block_on(emulator.sdk_config());
        let seed = rt.block_on(seed(&sdk));
        let aws = Aws::from_config(&sdk);
        let mut work = Workdir::new();
        work.use_emulator(&emulator);
        Self {
            emulator,
            rt,
            sdk,
            seed,
            aws,
            work,
        }
    }

    /// A lab whose Terraform is the one `launcher` (a path in the repository; `None`:
    /// `ECSPROD_TERRAFORM`'s) runs, checked to be release `version` (`1.15`: any 1.15.x).
    pub fn with_terraform(launcher: Option<&str>, version: &str) -> Self {
        let mut lab = Self::start();
        if let Some(launcher) = launcher {
            lab.work.use_terraform(launcher);
        }
        let shown = lab.work.run(&["version", "-json"]).success().json();
        let running = shown["terraform_version"].as_str().unwrap_or_default();
        assert!(
            running == version || running.starts_with(&format!("{version}.")),
            "Terraform {version} expected, {running} runs: {shown:#}"
        );
        lab
    }

    /// `examples/` in the working directory, with what a user brings (from the seed) as the
    /// variables of `examples/complete` for `environment`.
    pub fn complete_example(&self, environment: &str) {
        let seed = &self.seed;
        let variables = serde_json::json!({
            "environment": environment,
            "vpc_id": seed.vpc_id,
            "public_subnet_ids": seed.public_subnet_ids,
            "private_subnet_ids": seed.private_subnet_ids,
            "certificate_arn": seed.certificate_arn,
            "domain": seed.domain,
            "zone_id": seed.zone_id,
            "min_size": 1,
            "max_size": 3,
            "deletion_protection": false,
            "api_image": "public.ecr.aws/nginx/nginx:1.27",
            "web_services": { "www": "public.ecr.aws/nginx/nginx:1.27" },
            "database_url_parameter_arn": seed.parameter_arn,
            "api_token_secret_arn": seed.secret_arn,
        });
        self.work.copy_from_repo("examples");
        self.work
            .write("complete/terraform.tfvars.json", &variables.to_string());
    }

    /// `terraform -chdir=complete <args>`, in the folder [`Self::complete_example`] lays out.
    pub fn in_complete(&self, args: &[&str]) -> Run {
        let mut all = vec!["-chdir=complete"];
        all.extend_from_slice(args);
        self.work.run(&all)
    }

    /// What a stack whose cluster is named `cluster` left behind (see
    /// [`Aws::stack_leftovers`]).
    pub fn leftovers(&self, cluster: &str) -> Vec<String> {
        self.rt.block_on(
            self.aws
                .stack_leftovers(&self.seed.vpc_id, cluster, &self.seed.zone_id),
        )
    }
}
