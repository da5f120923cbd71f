//! The emulator's AWS-like request-rate limits: with them on, a burst beyond a bucket's capacity
//! is answered with the service's own throttling error in its protocol, without running the call;
//! the bucket refills at its rate; the throttled calls are counted per bucket; off, nothing is
//! throttled.

use acceptance_tests::emulator::Emulator;
use aws_sdk_ecs::error::ProvideErrorMetadata;
use serde_json::json;

/// The SDK clients of the emulator without retries, so every throttled call shows.
async fn clients(
    emulator: &Emulator,
) -> (aws_sdk_ecs::Client, aws_sdk_elasticloadbalancingv2::Client) {
    let config = emulator
        .sdk_config()
        .await
        .into_builder()
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    (
        aws_sdk_ecs::Client::new(&config),
        aws_sdk_elasticloadbalancingv2::Client::new(&config),
    )
}

#[test]
fn a_burst_beyond_a_bucket_is_throttled_in_the_services_words_and_the_bucket_refills() {
    let emulator = Emulator::start();
    let rt = acceptance_tests::runtime();
    let (ecs, elb) = rt.block_on(clients(&emulator));
    let burst = |n: usize| {
        rt.block_on(async {
            let mut codes = Vec::new();
            for _ in 0..n {
                let ecs_code = ecs
                    .list_clusters()
                    .send()
                    .await
                    .err()
                    .map(|e| e.code().unwrap_or_default().to_owned());
                let elb_code = elb
                    .describe_load_balancers()
                    .send()
                    .await
                    .err()
                    .map(|e| e.code().unwrap_or_default().to_owned());
                codes.push((ecs_code, elb_code));
            }
            codes
        })
    };

    // Off (the default): nothing is throttled.
    assert!(burst(20).iter().all(|(a, b)| a.is_none() && b.is_none()));

    let limits = json!({ "enabled": true, "buckets": {
        "ecs.describe": { "capacity": 5, "rate": 1 },
        "elasticloadbalancing.describe": { "capacity": 3, "rate": 1 },
    }});
    emulator.set_limits(limits);
    let codes = burst(10);
    let ecs: Vec<_> = codes.iter().map(|(a, _)| a.clone()).collect();
    let elb: Vec<_> = codes.iter().map(|(_, b)| b.clone()).collect();
    // A bucket's capacity passes at once; a burst beyond it is throttled (a token may refill
    // while the burst runs, so a later call can pass too).
    assert!(ecs[..5].iter().all(Option::is_none), "{codes:?}");
    assert!(elb[..3].iter().all(Option::is_none), "{codes:?}");
    let ecs_throttled: Vec<_> = ecs.iter().flatten().collect();
    let elb_throttled: Vec<_> = elb.iter().flatten().collect();
    assert!(
        !ecs_throttled.is_empty() && !elb_throttled.is_empty(),
        "{codes:?}"
    );
    assert!(
        ecs_throttled.iter().all(|c| *c == "ThrottlingException"),
        "{codes:?}"
    );
    assert!(
        elb_throttled.iter().all(|c| *c == "Throttling"),
        "{codes:?}"
    );
    let counted = emulator.limits();
    assert_eq!(
        counted["throttled"]["ecs.describe"].as_u64(),
        Some(ecs_throttled.len() as u64),
        "{counted:#}"
    );
    // Every request reached AWS, as far as the call counts say.
    assert_eq!(emulator.calls().get("ecs.ListClusters"), Some(&30));

    // Two seconds refill two tokens.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let after = burst(2);
    assert!(after.iter().all(|(a, _)| a.is_none()), "{after:?}");

    emulator.set_limits(json!({ "enabled": false }));
    assert!(burst(10).iter().all(|(a, b)| a.is_none() && b.is_none()));
}
