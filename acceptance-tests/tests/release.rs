//! `make release` (tools/release.sh): the registry's files for the built platform, checksums
//! that match, the manifest's protocol versions, and a provider network mirror that real
//! Terraform installs from over HTTPS, its lock file recording the checksums' hashes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use acceptance_tests::{REQUIRED_PROVIDERS, Workdir, repo_root, setting};

/// The provider binary the tests install (the one in the mirror the CLI configuration names),
/// so the release is made from it rather than from a new optimised build.
fn built_binary(version: &str) -> PathBuf {
    let rc = setting("ECSPROD_MIRROR_RC", "dist/terraformrc");
    let text = std::fs::read_to_string(&rc).expect("the CLI configuration");
    let mirror = text
        .lines()
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "path").then(|| value.trim().trim_matches('"').to_owned())
        })
        .expect("a mirror path");
    let platform = std::fs::read_dir(
        Path::new(&mirror).join(format!("registry.terraform.io/ecsprod/ecsprod/{version}")),
    )
    .expect("the mirror's version folder")
    .flatten()
    .find(|e| e.path().is_dir())
    .expect("a platform folder")
    .path();
    platform.join(format!("terraform-provider-ecsprod_v{version}"))
}

fn version() -> String {
    let toml = std::fs::read_to_string(repo_root().join("Cargo.toml")).expect("Cargo.toml");
    toml.lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("a version")
        .to_owned()
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A static HTTPS server of `dir` on a loopback port, with a self-signed certificate for
/// 127.0.0.1 (`cert`), stopped when dropped.
struct Https(Child, u16);

impl Drop for Https {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, cert: &Path, key: &Path) -> Https {
    let script = r#"
import http.server, ssl, sys, functools
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(dir)
        .arg(cert)
        .arg(key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the HTTPS server");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("the server's port");
    let port = line.trim().parse().expect("a port number");
    Https(child, port)
}

#[test]
fn a_release_has_matching_checksums_and_a_network_mirror_terraform_installs_from() {
    let version = version();
    let out = tempfile::tempdir().expect("temporary directory");
    // A signing key of its own, in a GnuPG home of its own.
    let gnupg = tempfile::tempdir().expect("temporary directory");
    let gpg = |args: &[&str]| {
        Command::new("gpg")
            .env("GNUPGHOME", gnupg.path())
            .args([
                "--batch",
                "--quiet",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
            ])
            .args(args)
            .output()
            .expect("gpg")
    };
    let made = gpg(&[
        "--quick-gen-key",
        "release@ecsprod.test",
        "ed25519",
        "sign",
        "never",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let keys = gpg(&["--with-colons", "--list-secret-keys"]);
    let fingerprint = String::from_utf8_lossy(&keys.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .map(|l| l.trim_matches(':').to_owned())
        .expect("the key's fingerprint");
    let status = Command::new("bash")
        .arg(repo_root().join("tools/release.sh"))
        .env("RELEASE_BINARY", built_binary(&version))
        .env("RELEASE_OUT", out.path())
        .env("GNUPGHOME", gnupg.path())
        .env("GPG_FINGERPRINT", &fingerprint)
        .status()
        .expect("run tools/release.sh");
    assert!(status.success(), "tools/release.sh failed");

    let name = format!("terraform-provider-ecsprod_{version}");
    let sums =
        std::fs::read_to_string(out.path().join(format!("{name}_SHA256SUMS"))).expect("SHA256SUMS");
    let mut listed: Vec<(String, String)> = sums
        .lines()
        .filter_map(|l| {
            let (hash, file) = l.split_once("  ")?;
            Some((file.to_owned(), hash.to_owned()))
        })
        .collect();
    listed.sort();
    let zip = format!("{name}_linux_amd64.zip");
    let files: Vec<&str> = listed.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(files, [zip.clone(), format!("{name}_manifest.json")]);
    for (file, hash) in &listed {
        assert_eq!(*hash, sha256(&out.path().join(file)), "{file}");
    }
    let sums_path = out.path().join(format!("{name}_SHA256SUMS"));
    let verified = gpg(&[
        "--verify",
        &format!("{}.sig", sums_path.display()),
        &sums_path.display().to_string(),
    ]);
    assert!(
        verified.status.success(),
        "the detached signature does not verify: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join(format!("{name}_manifest.json")))
            .expect("manifest"),
    )
    .expect("manifest JSON");
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );

    // The network mirror over HTTPS, trusted through SSL_CERT_FILE.
    let tls = tempfile::tempdir().expect("temporary directory");
    let (cert, key) = (tls.path().join("cert.pem"), tls.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(made.success(), "no certificate");
    let server = serve(&out.path().join("mirror"), &cert, &key);
    let rc = tls.path().join("terraformrc");
    std::fs::write(
        &rc,
        format!(
            r#"provider_installation {{
  network_mirror {{
    url     = "https://127.0.0.1:{}/"
    include = ["registry.terraform.io/ecsprod/ecsprod"]
  }}
  direct {{
    exclude = ["registry.terraform.io/ecsprod/ecsprod"]
  }}
}}
"#,
            server.1
        ),
    )
    .expect("write the CLI configuration");
    let mut w = Workdir::new();
    w.set_env("TF_CLI_CONFIG_FILE", &rc.display().to_string());
    w.set_env("SSL_CERT_FILE", &cert.display().to_string());
    w.write("main.tf", REQUIRED_PROVIDERS);
    w.init();
    // The lock file records the h1: hash of the archive SHA256SUMS lists (computed here from
    // its content), which the mirror also serves beside the archive's zh: checksum.
    let lock = std::fs::read_to_string(w.path().join(".terraform.lock.hcl")).expect("lock file");
    let h1 = package_hash(&out.path().join(&zip));
    assert!(
        lock.contains(&format!("\"{h1}\"")),
        "the lock file does not record {h1}:\n{lock}"
    );
    assert!(lock.contains(&format!("version = \"{version}\"")), "{lock}");
    let listing: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join(format!(
            "mirror/registry.terraform.io/ecsprod/ecsprod/{version}.json"
        )))
        .expect("the mirror's version listing"),
    )
    .expect("JSON");
    assert_eq!(
        listing["archives"]["linux_amd64"]["hashes"],
        serde_json::json!([h1, format!("zh:{}", listed[0].1)])
    );
}

/// Terraform's `h1:` hash of a provider package, computed from the zip's files.
fn package_hash(zip: &Path) -> String {
    let script = r#"
import base64, hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    lines = sorted(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n" for n in z.namelist())
print("h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode())
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(zip)
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
