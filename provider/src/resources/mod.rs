//! The provider block and its resources. Each resource module holds its schema, validation,
//! plan adjustments and typed configuration; all of them share one [`Context`].

pub mod cluster;
pub mod fields;
pub mod identity;
pub mod job;
pub mod listing;
pub mod outcome;
pub mod preflight;
pub mod provider_config;
mod rpcs;
pub mod service;
pub mod tags;
pub mod timeouts;
pub mod validators;
pub mod walks;

use std::sync::{Arc, RwLock};

use ecsprod_cty::Value;

use crate::engine::Session;
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::{BoxFuture, Provider, Resource};
use crate::protocol::schema::Schema;
use provider_config::ProviderConfig;

/// What every resource call of one provider process shares.
#[derive(Debug, Default)]
pub struct Context {
    config: RwLock<Option<ProviderConfig>>,
    session: tokio::sync::OnceCell<Session>,
}

impl Context {
    /// The engine's session, connected on first use from the configured provider block.
    pub async fn session(&self) -> Result<&Session, Diagnostics> {
        let config = self.config().ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Provider not configured",
                "Terraform did not configure the ecsprod provider before using it.",
            ))
        })?;
        let invalid =
            |e: String| Diagnostics::from(Diagnostic::error("Invalid AWS configuration", e));
        let client_config = config.client_config().map_err(invalid)?;
        self.session
            .get_or_try_init(|| async move { Session::connect(&client_config).await })
            .await
            .map_err(invalid)
    }

    /// The credentials check of `ConfigureProvider`: one STS call through the session.
    async fn validate_credentials(&self) -> Diagnostics {
        let failed = match self.session().await {
            Ok(session) => session.validate_credentials().await.err(),
            Err(d) => return d,
        };
        failed
            .map(|text| {
                Diagnostic::error(
                    "AWS credentials check failed",
                    format!("{text}\n\nThe check is one STS GetCallerIdentity call; skip_credentials_validation = true skips it."),
                )
                .into()
            })
            .unwrap_or_default()
    }

    /// The provider's default tags, as far as they are known.
    pub fn default_tags(&self) -> tags::Tags {
        self.config()
            .map(|c| fields::known_map(&c.default_tags))
            .unwrap_or_default()
    }

    /// The configured provider block, if `ConfigureProvider` ran.
    pub fn config(&self) -> Option<ProviderConfig> {
        self.config.read().ok().and_then(|c| c.clone())
    }

    fn set_config(&self, config: ProviderConfig) {
        if let Ok(mut slot) = self.config.write() {
            *slot = Some(config);
        }
    }
}

/// The ecsprod provider.
pub struct EcsProd {
    context: Arc<Context>,
    resources: Vec<Arc<dyn Resource>>,
}

impl EcsProd {
    pub fn new() -> Self {
        let context = Arc::new(Context::default());
        Self {
            resources: vec![
                Arc::new(cluster::ClusterResource::new(context.clone())),
                Arc::new(service::ServiceResource::new(context.clone())),
                Arc::new(job::ScheduledTaskResource::new(context.clone())),
            ],
            context,
        }
    }
}

impl Default for EcsProd {
    fn default() -> Self {
        Self::new()
    }
}

impl Provider for EcsProd {
    fn schema(&self) -> &Schema {
        &provider_config::SCHEMA
    }

    fn resources(&self) -> &[Arc<dyn Resource>] {
        &self.resources
    }

    fn validate_config(&self, config: &Value) -> Diagnostics {
        provider_config::validate(config)
    }

    fn configure<'a>(
        &'a self,
        terraform_version: String,
        config: Value,
    ) -> BoxFuture<'a, Diagnostics> {
        Box::pin(async move {
            let mut diagnostics = provider_config::validate(&config);
            if diagnostics.has_errors() {
                return diagnostics;
            }
            tracing::debug!(terraform_version, "provider configured");
            let config = ProviderConfig::from_value(&config);
            // Settings not known yet (they depend on resources) leave nothing to check now.
            let check = !config.skip_credentials_validation && config.client_config().is_ok();
            self.context.set_config(config);
            if check {
                diagnostics.extend(self.context.validate_credentials().await);
            }
            diagnostics
        })
    }
}

/// Sets `tags_all` to the provider's default tags merged with the resource's `tags`, or unknown
/// while either is unknown.
fn plan_tags_all(context: &Context, planned: &mut Value) {
    let default_tags = context.config().map(|c| c.default_tags).unwrap_or_default();
    let tags = fields::string_map(planned, "tags");
    let merged = fields::merge_tags(&default_tags, &tags);
    if let Some(slot) = planned.get_attr_mut("tags_all") {
        *slot = match merged {
            Some(m) => fields::string_map_value(&m),
            None => Value::unknown(),
        };
    }
}
