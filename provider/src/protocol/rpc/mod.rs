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

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderServer<P> {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Rpc<pb::get_metadata::Response> {
        enter("get_metadata");
        Ok(Response::new(get_provider_schema::metadata(self)))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Rpc<pb::get_provider_schema::Response> {
        enter("get_provider_schema");
        Ok(Response::new(get_provider_schema::handle(self)))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Rpc<pb::validate_provider_config::Response> {
        enter("validate_provider_config");
        Ok(Response::new(validate::provider_config(
            self,
            req.into_inner(),
        )))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Rpc<pb::validate_resource_config::Response> {
        enter("validate_resource_config");
        Ok(Response::new(validate::resource_config(
            self,
            req.into_inner(),
        )))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Rpc<pb::validate_data_resource_config::Response> {
        enter("validate_data_resource_config");
        Ok(Response::new(unsupported::validate_data_resource_config(
            req.into_inner(),
        )))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Rpc<pb::upgrade_resource_state::Response> {
        enter("upgrade_resource_state");
        Ok(Response::new(upgrade_resource_state::handle(
            self,
            req.into_inner(),
        )))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Rpc<pb::get_resource_identity_schemas::Response> {
        enter("get_resource_identity_schemas");
        Ok(Response::new(identity::schemas()))
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Rpc<pb::upgrade_resource_identity::Response> {
        enter("upgrade_resource_identity");
        Ok(Response::new(identity::upgrade(req.into_inner())))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Rpc<pb::configure_provider::Response> {
        enter("configure_provider");
        Ok(Response::new(
            configure_provider::handle(self, req.into_inner()).await,
        ))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Rpc<pb::read_resource::Response> {
        enter("read_resource");
        Ok(Response::new(
            read_resource::handle(self, req.into_inner()).await,
        ))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Rpc<pb::plan_resource_change::Response> {
        enter("plan_resource_change");
        Ok(Response::new(
            plan_resource_change::handle(self, req.into_inner()).await,
        ))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Rpc<pb::apply_resource_change::Response> {
        enter("apply_resource_change");
        Ok(Response::new(
            apply_resource_change::handle(self, req.into_inner()).await,
        ))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Rpc<pb::import_resource_state::Response> {
        enter("import_resource_state");
        Ok(Response::new(
            import_resource_state::handle(self, req.into_inner()).await,
        ))
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> Rpc<pb::move_resource_state::Response> {
        enter("move_resource_state");
        Ok(Response::new(unsupported::move_resource_state(
            req.into_inner(),
        )))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Rpc<pb::read_data_source::Response> {
        enter("read_data_source");
        Ok(Response::new(unsupported::read_data_source(
            req.into_inner(),
        )))
    }

    async fn generate_resource_config(
        &self,
        req: Request<pb::generate_resource_config::Request>,
    ) -> Rpc<pb::generate_resource_config::Response> {
        enter("generate_resource_config");
        Ok(Response::new(unsupported::generate_resource_config(
            req.into_inner(),
        )))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Rpc<pb::validate_ephemeral_resource_config::Response> {
        enter("validate_ephemeral_resource_config");
        Ok(Response::new(unsupported::validate_ephemeral(
            req.into_inner(),
        )))
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Rpc<pb::open_ephemeral_resource::Response> {
        enter("open_ephemeral_resource");
        Ok(Response::new(unsupported::open_ephemeral(req.into_inner())))
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Rpc<pb::renew_ephemeral_resource::Response> {
        enter("renew_ephemeral_resource");
        Ok(Response::new(unsupported::renew_ephemeral(
            req.into_inner(),
        )))
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Rpc<pb::close_ephemeral_resource::Response> {
        enter("close_ephemeral_resource");
        Ok(Response::new(unsupported::close_ephemeral(
            req.into_inner(),
        )))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Rpc<pb::get_functions::Response> {
        enter("get_functions");
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Rpc<pb::call_function::Response> {
        enter("call_function");
        Ok(Response::new(unsupported::call_function(req.into_inner())))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Rpc<pb::stop_provider::Response> {
        enter("stop_provider");
        Ok(Response::new(stop_provider::handle(self)))
    }
}
