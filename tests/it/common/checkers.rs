//! The outside checkers the tests run: the Nu Html Checker (vnu, a Java program from npm's
//! `vnu-jar`) and axe-core (npm's `axe-core`, injected into pages by the browser tests).
//!
//! Each file is looked for in its environment variable (`VNU_JAR`, `AXE_CORE_JS`), then in
//! the project's `node_modules`, then in npm's global root (`npm root -g`). A missing one
//! fails the test with the command that installs it: a check that cannot run never passes.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::Value;

/// `package`'s `file` (a path inside the package), found as the module comment says.
fn npm_file(variable: &str, package: &str, file: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{variable}={} is not a file",
            path.display()
        );
        return path;
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules");
    let global = Command::new("npm")
        .args(["root", "-g"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    [Some(local), global]
        .into_iter()
        .flatten()
        .map(|root| root.join(package).join(file))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "This test needs {package}: install it with `npm install -g {package}` (or \
                 `npm install {package}` in the project), or set {variable} to its {file}."
            )
        })
}

/// axe-core's browser bundle.
pub fn axe_core_js() -> String {
    let path = npm_file("AXE_CORE_JS", "axe-core", "axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

fn java() -> PathBuf {
    let from_home = std::env::var_os("JAVA_HOME").map(|home| PathBuf::from(home).join("bin/java"));
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("java"))
            .find(|candidate| candidate.is_file())
    });
    from_home
        .filter(|java| java.is_file())
        .or(on_path)
        .unwrap_or_else(|| {
            panic!(
                "The Nu Html Checker needs a Java runtime (Debian/Ubuntu: `apt-get install \
                 default-jre-headless`; or set JAVA_HOME)."
            )
        })
}

/// Runs the Nu Html Checker once over every `.html` file in `dir`; its errors (warnings are
/// not errors), one line each: `file:line: message «extract»`.
pub fn html_errors(dir: &Path) -> Vec<String> {
    let jar = npm_file("VNU_JAR", "vnu-jar", "build/dist/vnu.jar");
    let output = Command::new(java())
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap_or_else(|error| panic!("cannot run the Nu Html Checker: {error}"));
    // The report goes to stderr; exit status 1 only means "found errors".
    let report: Value = serde_json::from_slice(&output.stderr).unwrap_or_else(|error| {
        panic!(
            "the Nu Html Checker did not report ({error}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let messages = report["messages"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("the Nu Html Checker's report has no messages: {report}"));
    messages
        .iter()
        .filter(|message| message["type"] != "info")
        .map(|message| {
            let file = message["url"]
                .as_str()
                .and_then(|url| url.rsplit('/').next())
                .unwrap_or("?");
            format!(
                "{file}:{}: {} «{}»",
                message["lastLine"],
                message["message"].as_str().unwrap_or_default(),
                message["extract"].as_str().unwrap_or_default().trim()
            )
        })
        .collect()
}
