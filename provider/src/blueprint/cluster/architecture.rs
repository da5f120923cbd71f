//! What the instance types make of the cluster: one CPU architecture for every type (an AMI
//! is built for one), GPU support when a type has GPUs, and the ECS-optimized Amazon Linux 2023
//! AMI AWS recommends for them.

/// What EC2 says of an instance type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceTypeFacts {
    pub name: String,
    /// As DescribeInstanceTypes lists them: `x86_64`, `arm64`, `i386`, ...
    pub architectures: Vec<String>,
    pub gpus: i32,
}

pub const X86_64: &str = "x86_64";
pub const ARM64: &str = "arm64";

/// The architecture every instance type runs, and whether the instances have GPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    pub architecture: &'static str,
    pub gpu: bool,
}

/// The family of `facts`; `Err` says why when they need different AMIs: no single
/// architecture runs them all, or some have GPUs and others not (the ECS agent of the GPU AMI
/// stops on an instance without GPUs, so such instances would never join the cluster).
pub fn family(facts: &[InstanceTypeFacts]) -> Result<Family, String> {
    let runs = |arch: &str| {
        facts
            .iter()
            .all(|f| f.architectures.iter().any(|a| a == arch))
    };
    let architecture = [X86_64, ARM64]
        .into_iter()
        .find(|arch| runs(arch))
        .ok_or_else(|| mixed(facts))?;
    let (with, without): (Vec<_>, Vec<_>) = facts.iter().partition(|f| f.gpus > 0);
    if architecture == X86_64 && !with.is_empty() && !without.is_empty() {
        let names = |l: &[&InstanceTypeFacts]| {
            l.iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(format!(
            "GPU types ({}) and types without GPUs ({}) need different AMIs: the GPU AMI's ECS agent does not start without GPUs. Use a second cluster for one kind",
            names(&with),
            names(&without)
        ));
    }
    Ok(Family {
        architecture,
        gpu: architecture == X86_64 && !with.is_empty(),
    })
}

fn mixed(facts: &[InstanceTypeFacts]) -> String {
    let of = |arch: &str| {
        facts
            .iter()
            .filter(|f| f.architectures.iter().any(|a| a == arch))
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "the instance types need different AMIs: {X86_64} ({}) and {ARM64} ({}). One cluster runs one architecture; use a second cluster for the other",
        or_none(of(X86_64)),
        or_none(of(ARM64)),
    )
}

fn or_none(s: String) -> String {
    if s.is_empty() { "none".to_owned() } else { s }
}

/// The public SSM parameter that names the recommended ECS-optimized Amazon Linux 2023 AMI for
/// `family`.
pub fn ami_parameter(family: Family) -> &'static str {
    match (family.architecture, family.gpu) {
        (ARM64, _) => "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
        (_, true) => "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id",
        _ => "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, architectures: &[&str], gpus: i32) -> InstanceTypeFacts {
        InstanceTypeFacts {
            name: name.into(),
            architectures: architectures.iter().map(|a| (*a).to_owned()).collect(),
            gpus,
        }
    }

    #[test]
    fn graviton_types_are_arm64_and_take_the_arm64_ami() {
        let f = family(&[
            facts("m7g.large", &[ARM64], 0),
            facts("c7g.large", &[ARM64], 0),
        ]);
        assert_eq!(
            f,
            Ok(Family {
                architecture: ARM64,
                gpu: false
            })
        );
        assert!(
            ami_parameter(Family {
                architecture: ARM64,
                gpu: false
            })
            .contains("/arm64/")
        );
    }

    #[test]
    fn gpu_types_make_the_cluster_take_the_gpu_ami() {
        let f = family(&[
            facts("g5.xlarge", &[X86_64], 1),
            facts("g4dn.xlarge", &["i386", X86_64], 1),
        ]);
        assert_eq!(
            f,
            Ok(Family {
                architecture: X86_64,
                gpu: true
            })
        );
        assert!(
            ami_parameter(Family {
                architecture: X86_64,
                gpu: true
            })
            .contains("/gpu/")
        );
        assert!(
            !ami_parameter(Family {
                architecture: X86_64,
                gpu: false
            })
            .contains("/gpu/")
        );
    }

    #[test]
    fn gpu_and_non_gpu_types_together_are_refused() {
        let e = family(&[
            facts("g5.xlarge", &[X86_64], 1),
            facts("m6i.large", &[X86_64], 0),
        ]);
        assert_eq!(
            e.map_err(|e| e.contains("GPU types (g5.xlarge) and types without GPUs (m6i.large)")),
            Err(true)
        );
    }

    #[test]
    fn mixed_architectures_are_refused_naming_the_types_of_each() {
        let e = family(&[
            facts("m7g.large", &[ARM64], 0),
            facts("m6i.large", &[X86_64], 0),
        ]);
        assert_eq!(
            e.map_err(|e| e.contains("x86_64 (m6i.large) and arm64 (m7g.large)")),
            Err(true)
        );
    }
}
