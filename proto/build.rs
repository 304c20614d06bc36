//! Compiles `schema/**/*.proto` with protox (pure Rust: no system `protoc`) and
//! generates prost types. The descriptor set is also written out so that the
//! runtime can reflect over the schema (JSON mapping, required-field checks).

use std::path::{Path, PathBuf};

fn proto_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            proto_files(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let schema = Path::new("schema");
    println!("cargo:rerun-if-changed={}", schema.display());

    let mut files = Vec::new();
    proto_files(schema, &mut files)?;
    files.sort();

    let descriptors = protox::Compiler::new([schema])?
        .include_imports(true)
        .include_source_info(false)
        .open_files(&files)?
        .file_descriptor_set();

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("descriptors.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;

    prost_build::Config::new()
        .enable_type_names()
        .include_file("packages.rs")
        .compile_fds(descriptors)?;
    Ok(())
}
