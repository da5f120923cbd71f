//! A test's laboratory: an emulator seeded with what a user brings, the SDK clients that read
//! and change it, and a Terraform working directory whose AWS calls go to it.

use crate::aws_check::Aws;
use crate::emulator::{Emulator, Seed, seed};
use crate::{Workdir, runtime};

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

    /// What a stack whose cluster is named `cluster` left behind (see
    /// [`Aws::stack_leftovers`]).
    pub fn leftovers(&self, cluster: &str) -> Vec<String> {
        self.rt.block_on(
            self.aws
                .stack_leftovers(&self.seed.vpc_id, cluster, &self.seed.zone_id),
        )
    }
}
