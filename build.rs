// Migrations are embedded with `sqlx::migrate!`; rebuild when one is added or changed.
// The commit built is part of the build information (`app_build_info` in /metrics and the
// operations dashboard): `BUILD_COMMIT` when set (a container build without `.git`), else
// what `git` says, else "unknown".
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-env-changed=BUILD_COMMIT");
    let commit = std::env::var("BUILD_COMMIT")
        .ok()
        .filter(|commit| !commit.trim().is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=BUILD_COMMIT={}", commit.trim());
    // A new commit changes HEAD (a detached one, or a branch switch) or the branch's ref.
    let branch = git(&["symbolic-ref", "--quiet", "HEAD"]);
    for path in ["HEAD"].into_iter().chain(branch.as_deref().map(str::trim)) {
        if let Some(path) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={}", path.trim());
        }
    }
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
        .filter(|text| !text.trim().is_empty())
}
