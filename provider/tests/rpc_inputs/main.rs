//! Random and malformed protocol input for every `tfplugin6.Provider` call of the real provider,
//! served in process and called through the generated gRPC service trait.
//!
//! Three properties, each over random cases:
//! - schema-shaped values in every value field ([`damaged_values`]): values generated from each
//!   resource's cty type (nulls, unknowns with refinements, extreme numbers, long and odd
//!   strings, attributes of the wrong type, missing or extra attributes), encoded as Terraform
//!   encodes them, then often truncated, corrupted, replaced by arbitrary bytes or sent as JSON;
//! - arbitrary protocol structure, call after call on one server ([`structure`]): missing
//!   fields, empty requests, unknown type names, huge strings, extreme schema versions, legacy
//!   flatmap state, and every call for objects the provider does not offer;
//! - complete, well-typed configurations planned, applied, updated, read, destroyed and imported
//!   as far as an unreachable AWS lets each call go ([`lifecycle`]).
//!
//! What must hold for every call: it does not panic; it answers within
//! [`CALL_LIMIT`](harness::CALL_LIMIT); it answers `Ok` (provider errors are diagnostics, never
//! gRPC statuses); its diagnostics are well formed; a request value that cannot be decoded yields
//! an error diagnostic; every state the provider returns decodes against the resource's schema;
//! and a plan answered for a request Terraform could make passes Terraform's own plan checks.
//! What more must hold for each call is said once, by family of calls: [`provider_config`],
//! [`schema_and_validation`], [`state`], [`plan`], [`apply_read_import`] and [`unsupported`].
//!
//! Deterministic regression cases cover the nastiest shapes found: deep nesting, refinements
//! that do not fit their type and oversized length headers ([`value_regressions`]), unknowns
//! everywhere ([`plan`]), stored-state edge cases ([`state`]), huge timeouts and overlong Route53
//! IDs ([`apply_read_import`]). [`self_checks`] shows that the checks catch what they are meant
//! to catch.
//!
//! AWS is unreachable: before any server is built the process environment points every AWS
//! endpoint at a closed local port, with dummy static credentials and no profile, and every
//! configured provider has `max_retries = 0`. Calls that reach AWS therefore fail at once.
//!
//! `ECSPROD_RPC_FUZZ_CASES` sets the number of random cases of each property (default
//! [`DEFAULT_CASES`](harness::DEFAULT_CASES); the cheap structure property runs three times as
//! many).

mod apply_read_import;
mod damaged_values;
mod fixtures;
mod generators;
mod harness;
mod lifecycle;
mod plan;
mod provider_config;
mod requests;
mod schema_and_validation;
mod schemas;
mod self_checks;
mod state;
mod structure;
mod unsupported;
mod value_regressions;
mod wire;
