//! Finding source files: the one walker for operation files and for the Rust files the
//! fragment check reads.

use std::path::{Path, PathBuf};

/// Adds `path` itself when it is a file, else every file below it (recursively) whose extension
/// is one of `extensions`. An error names the file or folder that could not be read.
pub(crate) fn files_below(
    path: &Path,
    extensions: &[&str],
    out: &mut Vec<PathBuf>,
) -> Result<(), (PathBuf, std::io::Error)> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|error| (path.to_path_buf(), error))?;
    for entry in entries {
        let entry = entry.map_err(|error| (path.to_path_buf(), error))?;
        let child = entry.path();
        if child.is_dir() {
            files_below(&child, extensions, out)?;
        } else if child
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(child);
        }
    }
    Ok(())
}
