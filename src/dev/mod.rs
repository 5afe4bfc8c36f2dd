//! Tools that are not the application: they write code, fill databases and measure, for the
//! people who build the app, and a production build leaves them out (the default-on cargo
//! feature `dev-tools`; see `cli/` for the commands that run them).
//!
//! `generate/` the resource and migration generators (`generate`), `seed.rs` fake contacts
//! in bulk (`seed contacts`, the benchmark, tests), `demo.rs` the demo account (`db seed`,
//! `db reset`), `search_bench/` the search benchmark (`bench search`).
//!
//! Nothing in the crate imports this module except `cli/dev/`: the app must build and run
//! without it. CI checks so by building without the feature (`cargo clippy
//! --no-default-features`), where any other import of `dev` fails to compile.

// Here rather than on `pub mod dev;` in lib.rs, whose `pub mod` lines the generator sorts
// new modules in among.
#![cfg(feature = "dev-tools")]

pub mod demo;
pub mod generate;
pub mod search_bench;
pub mod seed;
