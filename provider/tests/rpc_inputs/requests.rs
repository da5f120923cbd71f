//! Requests of arbitrary structure for every call of the protocol: missing fields, empty
//! requests, unknown type names, huge strings and byte strings, extreme schema versions, legacy
//! flatmap state, and calls for objects the provider does not offer.

use ecsprod_cty::msgpack;
use ecsprod_proto::tfplugin6 as pb;
use proptest::prelude::*;

use crate::fixtures::nested_arrays;
use crate::generators::{arb_key, arb_provider_block, arb_string, arb_type_name};
use crate::schemas::TYPES;

/// One call with arbitrary fields.
#[derive(Debug, Clone)]
pub enum Op {
    GetMetadata,
    GetProviderSchema,
    GetResourceIdentitySchemas,
    GetFunctions,
    StopProvider,
    ValidateProvider(pb::validate_provider_config::Request),
    Configure(pb::configure_provider::Request),
    ValidateResource(pb::validate_resource_config::Request),
    ValidateData(pb::validate_data_resource_config::Request),
    ValidateEphemeral(pb::validate_ephemeral_resource_config::Request),
    Upgrade(pb::upgrade_resource_state::Request),
    UpgradeIdentity(pb::upgrade_resource_identity::Request),
    Plan(pb::plan_resource_change::Request),
    Read(pb::read_resource::Request),
    Apply(pb::apply_resource_change::Request),
    Import(pb::import_resource_state::Request),
    Move(pb::move_resource_state::Request),
    ReadData(pb::read_data_source::Request),
    Generate(pb::generate_resource_config::Request),
    Open(pb::open_ephemeral_resource::Request),
    Renew(pb::renew_ephemeral_resource::Request),
    Close(pb::close_ephemeral_resource::Request),
    CallFunction(pb::call_function::Request),
}

/// Type names and other names: the real ones, odd ones and huge ones.
fn arb_name() -> BoxedStrategy<String> {
    prop_oneof![
        6 => arb_type_name(),
        1 => (any::<char>(), 10_000usize..1_000_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
    .boxed()
}

/// Byte strings: short arbitrary ones, deep nesting in msgpack and JSON, nil, the unknown
/// value, and a map header that claims 2³²-1 entries.
fn arb_bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..32),
        1 => (1usize..100_000).prop_map(nested_arrays),
        1 => (1usize..100_000).prop_map(|n| "[".repeat(n).into_bytes()),
        1 => Just(vec![0xc0]),
        1 => Just(msgpack::UNKNOWN_BYTES.to_vec()),
        1 => Just(vec![0xdf, 0xff, 0xff, 0xff, 0xff]),
    ]
    .boxed()
}

/// A `DynamicValue` field: absent, empty, or arbitrary bytes as msgpack, JSON or both.
fn arb_dv() -> BoxedStrategy<Option<pb::DynamicValue>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(pb::DynamicValue::default())),
        4 => (arb_bytes(), arb_bytes()).prop_map(|(msgpack, json)| Some(pb::DynamicValue { msgpack, json })),
        2 => arb_bytes().prop_map(|json| Some(pb::DynamicValue { msgpack: Vec::new(), json })),
    ]
    .boxed()
}

/// A provider block for `ConfigureProvider`: arbitrary bytes that never decode to a usable
/// block, or a valid offline one. A block that decodes to null or unknown would configure the
/// provider's default of 10 attempts per AWS call, which overrides `AWS_MAX_ATTEMPTS`: an import
/// against the closed port then retries with backoff for about a minute.
fn arb_configure_dv() -> BoxedStrategy<Option<pb::DynamicValue>> {
    let nil_or_unknown = |b: &u8| matches!(b, 0xc0 | 0xc7..=0xc9 | 0xd4..=0xd8);
    prop_oneof![
        3 => (any::<u8>(), prop::collection::vec(any::<u8>(), 0..32))
            .prop_filter("does not start with nil or an unknown", move |(first, _)| !nil_or_unknown(first))
            .prop_map(|(first, rest)| {
                let mut msgpack = vec![first];
                msgpack.extend(rest);
                Some(pb::DynamicValue { msgpack, json: Vec::new() })
            }),
        1 => arb_provider_block().prop_map(|b| {
            Some(pb::DynamicValue {
                msgpack: msgpack::encode(&b, &TYPES.provider).unwrap_or_default(),
                json: Vec::new(),
            })
        }),
    ]
    .boxed()
}

/// Stored state: arbitrary JSON bytes with legacy flatmap entries, or none.
fn arb_raw() -> BoxedStrategy<Option<pb::RawState>> {
    prop::option::of(
        (
            arb_bytes(),
            prop::collection::hash_map(arb_key(), arb_string(), 0..4),
        )
            .prop_map(|(json, flatmap)| pb::RawState { json, flatmap }),
    )
    .boxed()
}

/// Client capabilities, or none.
fn arb_caps() -> BoxedStrategy<Option<pb::ClientCapabilities>> {
    prop::option::of(
        (any::<bool>(), any::<bool>()).prop_map(|(d, w)| pb::ClientCapabilities {
            deferral_allowed: d,
            write_only_attributes_allowed: w,
        }),
    )
    .boxed()
}

/// Resource identity data, or none.
fn arb_identity() -> BoxedStrategy<Option<pb::ResourceIdentityData>> {
    prop::option::of(arb_dv().prop_map(|identity_data| pb::ResourceIdentityData { identity_data }))
        .boxed()
}

/// Private data: mostly empty, sometimes arbitrary bytes.
fn arb_private() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
    .boxed()
}

prop_compose! {
    /// `PlanResourceChange` with arbitrary fields.
    fn arb_plan()(
        type_name in arb_name(),
        prior_state in arb_dv(),
        proposed_new_state in arb_dv(),
        config in arb_dv(),
        prior_private in arb_private(),
        provider_meta in arb_dv(),
        client_capabilities in arb_caps(),
        prior_identity in arb_identity(),
    ) -> Op {
        Op::Plan(pb::plan_resource_change::Request {
            type_name,
            prior_state,
            proposed_new_state,
            config,
            prior_private,
            provider_meta,
            client_capabilities,
            prior_identity,
        })
    }
}

prop_compose! {
    /// `ReadResource` with arbitrary fields.
    fn arb_read()(
        type_name in arb_name(),
        current_state in arb_dv(),
        private in arb_private(),
        provider_meta in arb_dv(),
        client_capabilities in arb_caps(),
        current_identity in arb_identity(),
    ) -> Op {
        Op::Read(pb::read_resource::Request {
            type_name,
            current_state,
            private,
            provider_meta,
            client_capabilities,
            current_identity,
        })
    }
}

prop_compose! {
    /// `ApplyResourceChange` with arbitrary fields.
    fn arb_apply()(
        type_name in arb_name(),
        prior_state in arb_dv(),
        planned_state in arb_dv(),
        config in arb_dv(),
        planned_private in arb_private(),
        provider_meta in arb_dv(),
        planned_identity in arb_identity(),
    ) -> Op {
        Op::Apply(pb::apply_resource_change::Request {
            type_name,
            prior_state,
            planned_state,
            config,
            planned_private,
            provider_meta,
            planned_identity,
        })
    }
}

prop_compose! {
    /// `MoveResourceState` with arbitrary fields.
    fn arb_move()(
        source_provider_address in arb_name(),
        source_type_name in arb_name(),
        source_schema_version in any::<i64>(),
        source_state in arb_raw(),
        target_type_name in arb_name(),
        source_private in arb_private(),
        source_identity in arb_raw(),
        source_identity_schema_version in any::<i64>(),
    ) -> Op {
        Op::Move(pb::move_resource_state::Request {
            source_provider_address,
            source_type_name,
            source_schema_version,
            source_state,
            target_type_name,
            source_private,
            source_identity,
            source_identity_schema_version,
        })
    }
}

/// Any call of the protocol, with arbitrary fields.
pub fn arb_op() -> BoxedStrategy<Op> {
    let n = arb_name;
    prop_oneof![
        Just(Op::GetMetadata),
        Just(Op::GetProviderSchema),
        Just(Op::GetResourceIdentitySchemas),
        Just(Op::GetFunctions),
        Just(Op::StopProvider),
        arb_dv().prop_map(
            |config| Op::ValidateProvider(pb::validate_provider_config::Request { config })
        ),
        ("(?s).{0,12}", arb_configure_dv(), arb_caps()).prop_map(
            |(terraform_version, config, client_capabilities)| {
                Op::Configure(pb::configure_provider::Request {
                    terraform_version,
                    config,
                    client_capabilities,
                })
            }
        ),
        (n(), arb_dv(), arb_caps()).prop_map(|(type_name, config, client_capabilities)| {
            Op::ValidateResource(pb::validate_resource_config::Request {
                type_name,
                config,
                client_capabilities,
            })
        }),
        (n(), arb_dv()).prop_map(|(type_name, config)| {
            Op::ValidateData(pb::validate_data_resource_config::Request { type_name, config })
        }),
        (n(), arb_dv()).prop_map(|(type_name, config)| {
            Op::ValidateEphemeral(pb::validate_ephemeral_resource_config::Request {
                type_name,
                config,
            })
        }),
        (n(), any::<i64>(), arb_raw()).prop_map(|(type_name, version, raw_state)| {
            Op::Upgrade(pb::upgrade_resource_state::Request {
                type_name,
                version,
                raw_state,
            })
        }),
        (n(), any::<i64>(), arb_raw()).prop_map(|(type_name, version, raw_identity)| {
            Op::UpgradeIdentity(pb::upgrade_resource_identity::Request {
                type_name,
                version,
                raw_identity,
            })
        }),
        arb_plan(),
        arb_read(),
        arb_apply(),
        (n(), n(), arb_caps(), arb_identity()).prop_map(
            |(type_name, id, client_capabilities, identity)| {
                Op::Import(pb::import_resource_state::Request {
                    type_name,
                    id,
                    client_capabilities,
                    identity,
                })
            }
        ),
        arb_move(),
        (n(), arb_dv(), arb_dv(), arb_caps()).prop_map(
            |(type_name, config, provider_meta, client_capabilities)| {
                Op::ReadData(pb::read_data_source::Request {
                    type_name,
                    config,
                    provider_meta,
                    client_capabilities,
                })
            }
        ),
        (n(), arb_dv()).prop_map(|(type_name, state)| {
            Op::Generate(pb::generate_resource_config::Request { type_name, state })
        }),
        (n(), arb_dv(), arb_caps()).prop_map(|(type_name, config, client_capabilities)| {
            Op::Open(pb::open_ephemeral_resource::Request {
                type_name,
                config,
                client_capabilities,
            })
        }),
        (n(), prop::option::of(arb_private())).prop_map(|(type_name, private)| {
            Op::Renew(pb::renew_ephemeral_resource::Request { type_name, private })
        }),
        (n(), prop::option::of(arb_private())).prop_map(|(type_name, private)| {
            Op::Close(pb::close_ephemeral_resource::Request { type_name, private })
        }),
        (
            n(),
            prop::collection::vec(arb_dv().prop_map(Option::unwrap_or_default), 0..4)
        )
            .prop_map(
                |(name, arguments)| Op::CallFunction(pb::call_function::Request {
                    name,
                    arguments
                })
            ),
    ]
    .boxed()
}
