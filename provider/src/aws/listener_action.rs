//! Listener and rule actions in the blueprint's terms, to and from the SDK's.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, ForwardActionConfig, RedirectActionConfig,
    RedirectActionStatusCodeEnum, TargetGroupTuple,
};

use crate::blueprint::cluster::{ListenerAction, Redirect};

/// A listener action as AWS reports it.
pub fn action_from_sdk(a: &Action) -> ListenerAction {
    let owned = |s: Option<&str>| s.map(str::to_owned);
    match a.r#type() {
        Some(ActionTypeEnum::FixedResponse) => {
            let f = a.fixed_response_config();
            ListenerAction::FixedResponse {
                status_code: f
                    .and_then(|f| f.status_code())
                    .unwrap_or_default()
                    .to_owned(),
                content_type: owned(f.and_then(|f| f.content_type())),
                body: owned(f.and_then(|f| f.message_body())),
            }
        }
        Some(ActionTypeEnum::Redirect) => {
            let r = a.redirect_config();
            ListenerAction::Redirect(Redirect {
                protocol: owned(r.and_then(|r| r.protocol())),
                host: owned(r.and_then(|r| r.host())),
                port: owned(r.and_then(|r| r.port())),
                path: owned(r.and_then(|r| r.path())),
                query: owned(r.and_then(|r| r.query())),
                status_code: r
                    .and_then(|r| r.status_code())
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            })
        }
        Some(ActionTypeEnum::Forward) => {
            let mut target_groups: Vec<String> = a
                .forward_config()
                .map(|f| {
                    f.target_groups()
                        .iter()
                        .filter_map(|t| t.target_group_arn().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(arn) = a.target_group_arn()
                && !target_groups.iter().any(|t| t == arn)
            {
                target_groups.push(arn.to_owned());
            }
            ListenerAction::Forward { target_groups }
        }
        other => ListenerAction::Other {
            kind: other.map(|t| t.as_str().to_owned()).unwrap_or_default(),
        },
    }
}

/// The request form of a listener action.
pub fn action_to_sdk(action: &ListenerAction) -> Action {
    match action {
        ListenerAction::FixedResponse {
            status_code,
            content_type,
            body,
        } => Action::builder()
            .r#type(ActionTypeEnum::FixedResponse)
            .fixed_response_config(
                FixedResponseActionConfig::builder()
                    .status_code(status_code)
                    .set_content_type(content_type.clone())
                    .set_message_body(body.clone())
                    .build(),
            )
            .build(),
        ListenerAction::Redirect(r) => Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                RedirectActionConfig::builder()
                    .set_protocol(r.protocol.clone())
                    .set_host(r.host.clone())
                    .set_port(r.port.clone())
                    .set_path(r.path.clone())
                    .set_query(r.query.clone())
                    .status_code(RedirectActionStatusCodeEnum::from(r.status_code.as_str()))
                    .build(),
            )
            .build(),
        ListenerAction::Forward { target_groups } => Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .forward_config(
                ForwardActionConfig::builder()
                    .set_target_groups(Some(
                        target_groups
                            .iter()
                            .map(|t| TargetGroupTuple::builder().target_group_arn(t).build())
                            .collect(),
                    ))
                    .build(),
            )
            .build(),
        ListenerAction::Other { kind } => Action::builder()
            .r#type(ActionTypeEnum::from(kind.as_str()))
            .build(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::cluster::{not_found_action, redirect_action};

    #[test]
    fn blueprint_actions_read_back_as_themselves() {
        for action in [
            not_found_action(),
            redirect_action(),
            ListenerAction::Forward {
                target_groups: vec!["arn:tg".into()],
            },
        ] {
            assert_eq!(action_from_sdk(&action_to_sdk(&action)), action);
        }
    }

    #[test]
    fn a_forward_to_one_target_group_reads_the_same_either_way_aws_reports_it() {
        let a = Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn("arn:tg")
            .forward_config(
                ForwardActionConfig::builder()
                    .target_groups(
                        TargetGroupTuple::builder()
                            .target_group_arn("arn:tg")
                            .build(),
                    )
                    .build(),
            )
            .build();
        assert_eq!(
            action_from_sdk(&a),
            ListenerAction::Forward {
                target_groups: vec!["arn:tg".into()]
            }
        );
    }
}
