//! go-plugin's launch handshake: the magic cookie, protocol version negotiation and the one
//! line the plugin prints on stdout to tell Terraform where and how to connect.

use base64::Engine as _;

/// The environment variable and value Terraform sets when it launches a provider.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's core protocol version (field 1 of the handshake line).
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The plugin protocol this provider speaks (field 2).
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// Shown when someone runs the binary by hand.
pub const NOT_A_COMMAND: &str = "This binary is a plugin for Terraform (the ecsprod provider). \
It is not meant to be run directly: Terraform starts it when a configuration uses \
`source = \"ecsprod/ecsprod\"`.\nTo debug it, run it with --debug and follow the instructions it prints.";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    #[error("{NOT_A_COMMAND}")]
    NotLaunchedByTerraform,
    #[error(
        "Terraform offered plugin protocol versions {0:?}, but this provider only speaks version {APP_PROTOCOL_VERSION}. Use Terraform 1.6.6 or later."
    )]
    UnsupportedProtocol(String),
}

/// Checks that Terraform launched the process (a user-experience check, not a security one).
pub fn check_cookie(value: Option<&str>) -> Result<(), HandshakeError> {
    match value {
        Some(v) if v == MAGIC_COOKIE_VALUE => Ok(()),
        _ => Err(HandshakeError::NotLaunchedByTerraform),
    }
}

/// Picks the protocol version from `PLUGIN_PROTOCOL_VERSIONS` (e.g. "5,6", in any order).
/// When the variable is absent the client speaks the plugin's default, which is 6.
pub fn negotiate(offered: Option<&str>) -> Result<u32, HandshakeError> {
    let Some(offered) = offered.filter(|s| !s.trim().is_empty()) else {
        return Ok(APP_PROTOCOL_VERSION);
    };
    let speaks_ours = offered
        .split(',')
        .filter_map(|v| v.trim().parse::<u32>().ok())
        .any(|v| v == APP_PROTOCOL_VERSION);
    if speaks_ours {
        Ok(APP_PROTOCOL_VERSION)
    } else {
        Err(HandshakeError::UnsupportedProtocol(offered.to_owned()))
    }
}

/// Where the plugin listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(std::path::PathBuf),
    Tcp(std::net::SocketAddr),
}

impl Address {
    pub fn network(&self) -> &'static str {
        match self {
            Address::Unix(_) => "unix",
            Address::Tcp(_) => "tcp",
        }
    }

    pub fn string(&self) -> String {
        match self {
            Address::Unix(p) => p.display().to_string(),
            Address::Tcp(a) => a.to_string(),
        }
    }
}

/// The handshake line: `1|6|unix|/tmp/sock|grpc|<server certificate, base64 without padding>`.
/// The certificate field is empty when TLS is off.
pub fn line(address: &Address, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!(
        "{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|{}|{}|grpc|{cert}",
        address.network(),
        address.string()
    )
}

/// The `TF_REATTACH_PROVIDERS` value for debug mode.
pub fn reattach_json(provider_address: &str, address: &Address, pid: u32) -> String {
    serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": APP_PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": address.network(), "String": address.string() },
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert!(check_cookie(Some(MAGIC_COOKIE_VALUE)).is_ok());
        assert_eq!(
            check_cookie(None),
            Err(HandshakeError::NotLaunchedByTerraform)
        );
        assert!(check_cookie(Some("x")).is_err());
    }

    #[test]
    fn version_six_is_chosen_from_any_order() {
        assert_eq!(negotiate(Some("5,6")), Ok(6));
        assert_eq!(negotiate(Some("6,5")), Ok(6));
        assert_eq!(negotiate(None), Ok(6));
        assert!(negotiate(Some("4,5")).is_err());
    }

    #[test]
    fn line_uses_unpadded_standard_base64() {
        let addr = Address::Unix("/tmp/plugin1".into());
        // 4 bytes would need padding ("AAECAw==") with the padded alphabet.
        assert_eq!(
            line(&addr, Some(&[0, 1, 2, 3])),
            "1|6|unix|/tmp/plugin1|grpc|AAECAw"
        );
        assert_eq!(line(&addr, None), "1|6|unix|/tmp/plugin1|grpc|");
    }

    #[test]
    fn reattach_value_names_the_provider_and_socket() {
        let addr = Address::Unix("/tmp/s".into());
        let v: serde_json::Value = serde_json::from_str(&reattach_json(
            "registry.terraform.io/ecsprod/ecsprod",
            &addr,
            7,
        ))
        .expect("json");
        let entry = &v["registry.terraform.io/ecsprod/ecsprod"];
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/s");
        assert_eq!(entry["Pid"], 7);
    }
}
