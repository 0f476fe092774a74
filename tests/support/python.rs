//! The Python interpreter the interop tests run (`PYTHON`, default `python3`), and whether it
//! can make a virtual environment and install from PyPI; shared by the interop tests of the
//! library and the sandbox.

use std::process::Command;

/// The interpreter: `$PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// `Ok` when the interpreter runs and has `venv` and `pip`; else why not (the test skips).
pub fn python_available() -> Result<(), String> {
    let python = python();
    for args in [
        &["--version"][..],
        &["-m", "venv", "--help"],
        &["-m", "pip", "--version"],
    ] {
        match Command::new(&python).args(args).output() {
            Ok(out) if out.status.success() => {}
            Ok(_) => return Err(format!("`{python} {}` failed", args.join(" "))),
            Err(e) => return Err(format!("cannot run `{python}`: {e}")),
        }
    }
    Ok(())
}
