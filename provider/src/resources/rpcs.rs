//! The RPCs both resources answer the same way.

/// Expands, inside `impl Resource for R` where `R` has a `context: Arc<Context>` field and its
/// module has `TYPE_NAME` and `schema`, `config` and `lifecycle` modules, to the methods that
/// name the resource and its schema, validate with `config::validate` (after the schema's
/// defaults), hand plan-time checks to `$preflight` and read, apply (create, update or delete)
/// and import to the lifecycle's walks: create and update run `lifecycle::LIFECYCLE` from the
/// input `lifecycle::apply_input` makes. The module's `IDENTITY` is the resource's identity.
macro_rules! resource_rpcs {
    ($preflight:path) => {
        fn type_name(&self) -> &'static str {
            TYPE_NAME
        }

        fn schema(&self) -> &$crate::protocol::schema::Schema {
            &schema::SCHEMA
        }

        fn validate(&self, config: &::ecsprod_cty::Value) -> $crate::protocol::diag::Diagnostics {
            config::validate(&$crate::protocol::plan::with_defaults(
                &schema::SCHEMA,
                config,
            ))
        }

        fn preflight<'a>(
            &'a self,
            ctx: $crate::protocol::provider::CallContext,
            input: &'a $crate::protocol::provider::PlanInput<'a>,
            planned: &'a ::ecsprod_cty::Value,
        ) -> $crate::protocol::provider::BoxFuture<'a, $crate::protocol::diag::Diagnostics> {
            Box::pin(async move { $preflight(&self.context, &ctx, input.prior, planned).await })
        }

        fn read<'a>(
            &'a self,
            ctx: $crate::protocol::provider::CallContext,
            state: ::ecsprod_cty::Value,
            _: Vec<u8>,
        ) -> $crate::protocol::provider::BoxFuture<'a, $crate::protocol::provider::ReadOutput> {
            Box::pin(async move { lifecycle::read(&self.context, &ctx, state).await })
        }

        fn apply<'a>(
            &'a self,
            ctx: $crate::protocol::provider::CallContext,
            prior: ::ecsprod_cty::Value,
            planned: ::ecsprod_cty::Value,
            _: ::ecsprod_cty::Value,
            _: Vec<u8>,
        ) -> $crate::protocol::provider::BoxFuture<'a, $crate::protocol::provider::ApplyOutput> {
            Box::pin(async move {
                if planned.is_null() {
                    lifecycle::delete(&self.context, &ctx, &prior).await
                } else {
                    let walks = &lifecycle::LIFECYCLE;
                    walks
                        .apply(
                            &self.context,
                            &ctx,
                            &prior,
                            &planned,
                            lifecycle::apply_input,
                        )
                        .await
                }
            })
        }

        fn import<'a>(
            &'a self,
            ctx: $crate::protocol::provider::CallContext,
            id: String,
        ) -> $crate::protocol::provider::BoxFuture<'a, $crate::protocol::provider::ImportOutput> {
            // Start from the schema defaults; everything AWS reports overrides them.
            let defaults = $crate::protocol::plan::with_defaults(
                &schema::SCHEMA,
                &::ecsprod_cty::Value::Object(Default::default()),
            );
            Box::pin(async move { lifecycle::import(&self.context, &ctx, defaults, id).await })
        }

        fn identity_schema(&self) -> Option<&$crate::protocol::identity::IdentitySchema> {
            Some(&IDENTITY)
        }

        fn identity<'a>(
            &'a self,
            state: &'a ::ecsprod_cty::Value,
        ) -> $crate::protocol::provider::BoxFuture<
            'a,
            Result<::ecsprod_cty::Value, $crate::protocol::diag::Diagnostics>,
        > {
            Box::pin($crate::resources::identity::of(
                &self.context,
                &IDENTITY,
                state,
            ))
        }

        fn import_id<'a>(
            &'a self,
            identity: &'a ::ecsprod_cty::Value,
        ) -> $crate::protocol::provider::BoxFuture<
            'a,
            Result<String, $crate::protocol::diag::Diagnostics>,
        > {
            Box::pin($crate::resources::identity::import_id(
                &self.context,
                &IDENTITY,
                identity,
            ))
        }
    };
}

pub(crate) use resource_rpcs;
