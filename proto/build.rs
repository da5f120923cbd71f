//! Generates the gRPC server and client code for the Terraform plugin protocol.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // No protoc is installed system-wide; use the vendored one unless the caller chose another.
    if std::env::var_os("PROTOC").is_none() {
        let protoc = protoc_bin_vendored::protoc_bin_path()?;
        // SAFETY: build scripts are single-threaded; nothing else reads the environment concurrently.
        unsafe { std::env::set_var("PROTOC", protoc) };
    }
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_protos(&["proto/tfplugin6.proto", "proto/plugin.proto"], &["proto"])?;
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}
