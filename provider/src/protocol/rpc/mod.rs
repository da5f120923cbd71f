//! The `tfplugin6.Provider` gRPC service: one file per call, all sharing [`ProviderServer`].
//!
//! Provider errors are returned as diagnostics in the response, never as gRPC statuses
//! (Terraform would show those as "Plugin error"). Malformed request values become error
//! diagnostics too.

mod apply_resource_change;
mod configure_provider;
mod get_provider_schema;
mod identity;
mod import_resource_state;
mod list_resource;
mod plan_resource_change;
mod read_resource;
mod stop_provider;
mod unsupported;
mod upgrade_resource_state;
mod validate;

use std::sync::Arc;

use ecsprod_cty::{Type, Value, msgpack};
use ecsprod_proto::tfplugin6 as pb;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::diag::{Diagnostic, Diagnostics};
use super::provider::{CallContext, Provider, Resource};

/// Shared state behind every call of one provider process.
pub struct ProviderServer<P: Provider> {
    provider: Arc<P>,
    stop: CancellationToken,
}

impl<P: Provider> ProviderServer<P> {
    pub fn new(provider: Arc<P>) -> Self {
        Self {
            provider,
            stop: CancellationToken::new(),
        }
    }

    fn call_context(&self) -> CallContext {
        CallContext {
            cancel: self.stop.clone(),
        }
    }

    /// The provider block, decoded against the provider's schema.
    fn provider_config(&self, config: Option<&pb::DynamicValue>) -> Result<Value, Diagnostics> {
        let ty = self.provider.schema().value_type();
        decode(config, &ty, "provider configuration")
    }

    fn resource(&self, type_name: &str) -> Result<Arc<dyn Resource>, Diagnostics> {
        self.provider.resource(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("This provider has no resource type named {type_name:?}."),
            )
            .into()
        })
    }
}

/// Decodes a request value. Terraform always sends msgpack; JSON is accepted as well.
pub(crate) fn decode(
    dv: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    let Some(dv) = dv else {
        return Ok(Value::Null);
    };
    let result = if !dv.msgpack.is_empty() {
        msgpack::decode(&dv.msgpack, ty).map_err(|e| e.to_string())
    } else if !dv.json.is_empty() {
        ecsprod_cty::json::decode(&dv.json, ty).map_err(|e| e.to_string())
    } else {
        Ok(Value::Null)
    };
    result.map_err(|e| {
        Diagnostic::error(
            "Invalid value from Terraform",
            format!("The provider could not decode the {what}: {e}"),
        )
        .into()
    })
}

pub(crate) fn encode(
    value: &Value,
    ty: &Type,
    what: &str,
) -> Result<pb::DynamicValue, Diagnostics> {
    msgpack::encode(value, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|e| {
            Diagnostic::error(
                "Provider produced a value it cannot encode",
                format!("Encoding the {what} failed: {e}. This is a bug in the provider."),
            )
            .into()
        })
}

type Rpc<T> = Result<Response<T>, Status>;

/// A call's response. One that fails before it has anything else to say carries only its
/// diagnostics.
trait Answer: Default {
    fn diagnostics(&mut self) -> &mut Vec<pb::Diagnostic>;
}

macro_rules! answers {
    ($($call:ident),*) => {
        $(impl Answer for pb::$call::Response {
            fn diagnostics(&mut self) -> &mut Vec<pb::Diagnostic> {
                &mut self.diagnostics
            }
        })*
    };
}

answers!(
    validate_provider_config,
    validate_resource_config,
    validate_data_resource_config,
    upgrade_resource_state,
    upgrade_resource_identity,
    configure_provider,
    read_resource,
    plan_resource_change,
    apply_resource_change,
    import_resource_state,
    move_resource_state,
    read_data_source,
    generate_resource_config,
    validate_ephemeral_resource_config,
    open_ephemeral_resource,
    renew_ephemeral_resource,
    close_ephemeral_resource,
    validate_list_resource_config
);

fn answer<R: Answer>(result: Result<R, Diagnostics>) -> R {
    result.unwrap_or_else(refuse)
}

fn refuse<R: Answer>(diagnostics: Diagnostics) -> R {
    let mut response = R::default();
    *response.diagnostics() = diagnostics.into_proto();
    response
}

/// The call named by `ECSPROD_CRASH_IN_RPC`, read once: that call panics on purpose, so the
/// crash path (panic report on stderr, process exit, Terraform's "plugin crashed" message) can
/// be seen and tested end to end.
fn crash_in_rpc() -> Option<&'static str> {
    static NAME: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        std::env::var("ECSPROD_CRASH_IN_RPC")
            .ok()
            .filter(|n| !n.is_empty())
    })
    .as_deref()
}

/// Every call starts here: a debug log line, and the deliberate crash when asked for.
fn enter(rpc: &'static str) {
    tracing::debug!(rpc, "handling request");
    if crash_in_rpc() == Some(rpc) {
        panic!("deliberate crash in {rpc} (ECSPROD_CRASH_IN_RPC is set)");
    }
}

/// One method of the tonic service per call: log the call, unwrap the request, answer with
/// what the call's own file returns.
macro_rules! rpcs {
    ($($name:ident($server:pat, $req:pat) => $answer:expr,)*) => {
        #[tonic::async_trait]
        impl<P: Provider> pb::provider_server::Provider for ProviderServer<P> {
            $(
                async fn $name(
                    &self,
                    req: Request<pb::$name::Request>,
                ) -> Rpc<pb::$name::Response> {
                    enter(stringify!($name));
                    let $server = self;
                    let $req = req.into_inner();
                    Ok(Response::new($answer))
                }
            )*

            type ListResourceStream = std::pin::Pin<
                Box<dyn tokio_stream::Stream<Item = Result<pb::list_resource::Event, Status>> + Send>,
            >;

            async fn list_resource(
                &self,
                req: Request<pb::list_resource::Request>,
            ) -> Rpc<Self::ListResourceStream> {
                enter("list_resource");
                let events = list_resource::run(self, req.into_inner()).await;
                Ok(Response::new(Box::pin(tokio_stream::iter(events.into_iter().map(Ok)))))
            }
        }
    };
}

rpcs! {
    get_metadata(server, _) => get_provider_schema::metadata(server),
    get_provider_schema(server, _) => get_provider_schema::handle(server),
    validate_provider_config(server, req) => answer(validate::provider_config(server, req)),
    validate_resource_config(server, req) => answer(validate::resource_config(server, req)),
    validate_data_resource_config(_, req) => refuse(unsupported::data_source(&req.type_name)),
    upgrade_resource_state(server, req) => answer(upgrade_resource_state::run(server, req)),
    get_resource_identity_schemas(server, _) => identity::schemas(server),
    upgrade_resource_identity(server, req) => answer(identity::upgrade(server, req)),
    configure_provider(server, req) => answer(configure_provider::run(server, req).await),
    read_resource(server, req) => answer(read_resource::run(server, req).await),
    plan_resource_change(server, req) => answer(plan_resource_change::run(server, req).await),
    apply_resource_change(server, req) => answer(apply_resource_change::run(server, req).await),
    import_resource_state(server, req) => answer(import_resource_state::run(server, req).await),
    move_resource_state(_, req) => refuse(unsupported::move_state(&req)),
    read_data_source(_, req) => refuse(unsupported::data_source(&req.type_name)),
    generate_resource_config(_, req) => refuse(unsupported::generate_config(&req.type_name)),
    validate_ephemeral_resource_config(_, req) => refuse(unsupported::ephemeral(&req.type_name)),
    open_ephemeral_resource(_, req) => refuse(unsupported::ephemeral(&req.type_name)),
    renew_ephemeral_resource(_, req) => refuse(unsupported::ephemeral(&req.type_name)),
    close_ephemeral_resource(_, req) => refuse(unsupported::ephemeral(&req.type_name)),
    validate_list_resource_config(server, req) => answer(list_resource::validate(server, req)),
    get_functions(_, _) => pb::get_functions::Response::default(),
    call_function(_, req) => unsupported::call_function(req),
    stop_provider(server, _) => stop_provider::handle(server),
}
