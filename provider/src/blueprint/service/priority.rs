//! Listener rule priorities, allocated by the provider: no integer from the user (pain point
//! 13), and rules with a path condition always evaluated before host-only rules, so a path of a
//! host wins over another service's catch-all for the same host.

use std::collections::BTreeSet;

use super::fnv1a64;

/// The priorities of one kind of rule on the shared listener (ALB rules take 1-50000, lowest
/// first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorityBand {
    /// Rules with a `path-pattern` condition: 1-10000.
    Path,
    /// Host-only rules: 10001-50000.
    Host,
}

impl PriorityBand {
    pub fn of(path_patterns: &[String]) -> Self {
        if path_patterns.is_empty() {
            Self::Host
        } else {
            Self::Path
        }
    }

    /// The band's lowest and highest priority.
    pub const fn range(self) -> (i32, i32) {
        match self {
            Self::Path => (1, 10_000),
            Self::Host => (10_001, 50_000),
        }
    }

    pub fn contains(self, priority: i32) -> bool {
        let (low, high) = self.range();
        (low..=high).contains(&priority)
    }
}

/// A listener rule priority in `band` for `service_key` ([`super::service_key`]) that no rule in
/// `taken` has: start at a hash of the key mapped into the band, then step up past taken
/// priorities, wrapping within the band. The same key and rules always give the same priority,
/// and services usually keep their start.
///
/// `taken` must be read from the listener's current rules at apply time and must not contain
/// the service's own rule: the allocation is re-checked against the live listener on every
/// apply, and CreateRule's `PriorityInUse` means re-reading and allocating again. If the band
/// were full (far beyond the rules-per-listener quota) the start is returned and AWS reports
/// the conflict.
pub fn listener_rule_priority(service_key: &str, taken: &BTreeSet<i32>, band: PriorityBand) -> i32 {
    let (low, high) = band.range();
    let span = u64::from((high - low + 1).unsigned_abs());
    let offset = i32::try_from(fnv1a64(service_key.as_bytes()) % span).unwrap_or(0);
    first_free(low + offset, taken, band)
}

/// The first priority from `start` upwards, wrapping within `band`, not in `taken`.
pub(super) fn first_free(start: i32, taken: &BTreeSet<i32>, band: PriorityBand) -> i32 {
    let (low, high) = band.range();
    let mut candidate = start;
    for _ in low..=high {
        if !taken.contains(&candidate) {
            return candidate;
        }
        candidate = if candidate >= high {
            low
        } else {
            candidate + 1
        };
    }
    start
}
