//! The provider executable. Terraform starts it with no arguments; `--debug` serves it for a
//! debugger, `--version` prints the version.

use std::process::ExitCode;
use std::sync::Arc;

use ecsprod_provider::protocol::{handshake, log, server};
use ecsprod_provider::resources::EcsProd;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version" | "-v" | "version") => {
            println!("terraform-provider-ecsprod {}", ecsprod_provider::VERSION);
            return ExitCode::SUCCESS;
        }
        Some("--help" | "-h" | "help") => {
            println!("{}", handshake::NOT_A_COMMAND);
            return ExitCode::SUCCESS;
        }
        Some("--debug") | None => {}
        Some(other) => {
            eprintln!("unknown argument {other:?}\n\n{}", handshake::NOT_A_COMMAND);
            return ExitCode::from(1);
        }
    }
    let debug = args.first().is_some_and(|a| a == "--debug");

    let mode = if debug {
        server::Mode::Debug {
            provider_address: ecsprod_provider::PROVIDER_ADDRESS.to_owned(),
        }
    } else {
        let cookie = std::env::var(handshake::MAGIC_COOKIE_KEY).ok();
        let versions = std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok();
        if let Err(e) = handshake::check_cookie(cookie.as_deref())
            .and_then(|()| handshake::negotiate(versions.as_deref()).map(|_| ()))
        {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
        server::Mode::Managed {
            client_cert_pem: std::env::var("PLUGIN_CLIENT_CERT")
                .ok()
                .filter(|pem| !pem.trim().is_empty()),
        }
    };

    log::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(server::serve(Arc::new(EcsProd::new()), mode));
    // Background tasks (idle streams, signal watchers) must not delay the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "provider failed");
            eprintln!("terraform-provider-ecsprod: {e}");
            ExitCode::from(1)
        }
    }
}
