//! The production recipe against the app: `compose.prod.yaml`, `.env.production.example` and
//! the `Caddyfile`. No container engine runs here, so this checks what can be checked without
//! one: every variable compose gives the app is one the configuration reads, the example
//! names exactly the variables compose needs (those it requires set, the others commented),
//! Caddy gets every variable its file uses, only Caddy publishes a port, and the environment
//! the app would get is a production configuration that starts.
//!
//! The compose file is read by indentation, as the block mappings it is written in (no YAML
//! crate is in the dependency tree); an `environment` written as a list is refused.

use std::{
    cell::RefCell,
    collections::{BTreeMap, BTreeSet},
};

use app::config::{AppEnv, Config};

/// What an empty secret of the example stands for here: 64 hex characters, as
/// `openssl rand -hex 32` makes.
const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn read(file: &str) -> String {
    let path = format!("{}/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {path}: {error}"))
}

/// One line of the compose file, `key: value` or `- item`, with the keys of the blocks it is in.
#[derive(Debug)]
struct Entry {
    path: Vec<String>,
    value: String,
}

/// The compose file's entries: a mapping's `key: value`, and a list's `- item` under the key
/// `-`.
fn entries(yaml: &str) -> Vec<Entry> {
    let mut open: Vec<(usize, String)> = Vec::new();
    let mut entries = Vec::new();
    for line in yaml.lines() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if let Some(item) = content.strip_prefix('-') {
            // An item may sit at its key's own indentation.
            while open
                .last()
                .is_some_and(|(open_indent, _)| *open_indent > indent)
            {
                open.pop();
            }
            let mut path: Vec<String> = open.iter().map(|(_, key)| key.clone()).collect();
            path.push("-".to_owned());
            entries.push(Entry {
                path,
                value: without_comment(item.trim()).to_owned(),
            });
            continue;
        }
        let Some((key, value)) = content.split_once(':') else {
            continue;
        };
        while open
            .last()
            .is_some_and(|(open_indent, _)| *open_indent >= indent)
        {
            open.pop();
        }
        open.push((indent, key.trim().to_owned()));
        entries.push(Entry {
            path: open.iter().map(|(_, key)| key.clone()).collect(),
            value: without_comment(value.trim()).to_owned(),
        });
    }
    entries
}

fn without_comment(value: &str) -> &str {
    value
        .split_once(" #")
        .map_or(value, |(value, _)| value)
        .trim()
}

fn unquoted(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|value| value.strip_suffix('"'))
        .unwrap_or(value)
}

/// The blocks that define an app service: those built from the Dockerfile (a service, or a
/// template such as `x-app`), and the services that are an alias or a merge of such a template.
fn app_blocks(entries: &[Entry]) -> Vec<Vec<String>> {
    let built: Vec<&Entry> = entries
        .iter()
        .filter(|entry| entry.path.last().is_some_and(|key| key == "build"))
        .collect();
    let anchors: Vec<String> = entries
        .iter()
        .filter(|entry| {
            built
                .iter()
                .any(|build| build.path[..build.path.len() - 1] == entry.path[..])
        })
        .filter_map(|entry| entry.value.strip_prefix('&').map(str::to_owned))
        .collect();
    let mut blocks: Vec<Vec<String>> = built
        .iter()
        .map(|build| build.path[..build.path.len() - 1].to_vec())
        .collect();
    for entry in entries {
        let Some(anchor) = entry.value.strip_prefix('*') else {
            continue;
        };
        if !anchors.iter().any(|name| name == anchor) {
            continue;
        }
        let block = match entry.path.last().map(String::as_str) {
            Some("<<") => entry.path[..entry.path.len() - 1].to_vec(),
            _ => entry.path.clone(),
        };
        if block.len() == 2 && block[0] == "services" {
            blocks.push(block);
        }
    }
    blocks.sort();
    blocks.dedup();
    blocks
}

/// `${NAME}`, `${NAME:-default}` and `${NAME:?message}` in `text`, in order.
fn interpolations(text: &str) -> Vec<Interpolation> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let escaped = start > 0 && rest.as_bytes()[start - 1] == b'$';
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inside = &after[..end];
        rest = &after[end + 1..];
        if escaped {
            continue;
        }
        let (name, rule) = match (inside.split_once(":?"), inside.split_once(":-")) {
            (Some((name, _)), _) => (name, Rule::Required),
            (None, Some((name, default))) => (name, Rule::Default(default.to_owned())),
            (None, None) => (inside, Rule::Required),
        };
        found.push(Interpolation {
            source: format!("${{{inside}}}"),
            name: name.to_owned(),
            rule,
        });
    }
    found
}

struct Interpolation {
    source: String,
    name: String,
    rule: Rule,
}

#[derive(PartialEq)]
enum Rule {
    Required,
    Default(String),
}

/// `.env.production.example`: each variable, with its value when the line is set (`None` when
/// it is commented out, i.e. optional).
fn example_variables() -> BTreeMap<String, Option<String>> {
    let mut variables = BTreeMap::new();
    for line in read(".env.production.example").lines() {
        let (commented, line) = match line.strip_prefix('#') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, line),
        };
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            continue;
        }
        let value = (!commented).then(|| unquoted(value.trim()).to_owned());
        assert!(
            variables.insert(name.to_owned(), value).is_none(),
            "{name} is twice in .env.production.example"
        );
    }
    variables
}

/// Compose's interpolation of `value` with the example's values, an empty secret standing for
/// a generated one.
fn interpolate(value: &str, example: &BTreeMap<String, Option<String>>) -> String {
    let mut result = unquoted(value).to_owned();
    for interpolation in interpolations(value) {
        let set = example
            .get(&interpolation.name)
            .cloned()
            .flatten()
            .map(|value| {
                if value.is_empty() {
                    SECRET.to_owned()
                } else {
                    value
                }
            });
        let replacement = match (set, &interpolation.rule) {
            (Some(value), _) => value,
            (None, Rule::Default(default)) => default.clone(),
            (None, Rule::Required) => panic!("{} is required but not set", interpolation.name),
        };
        result = result.replacen(&interpolation.source, &replacement, 1);
    }
    result.replace("$$", "$")
}

/// What the image's runtime stage sets with `ENV` (the Dockerfile's last stage).
fn image_environment() -> BTreeMap<String, String> {
    let dockerfile = read("Dockerfile");
    let runtime = dockerfile
        .rsplit_once("\nFROM ")
        .map_or(dockerfile.as_str(), |(_, stage)| stage);
    runtime
        .lines()
        .filter_map(|line| line.strip_prefix("ENV "))
        .flat_map(str::split_whitespace)
        .map(|pair| {
            let (name, value) = pair.split_once('=').expect("ENV NAME=value");
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

/// The environment each app instance gets: the image's, then what compose passes.
fn app_environment(
    entries: &[Entry],
    example: &BTreeMap<String, Option<String>>,
) -> BTreeMap<String, String> {
    let blocks = app_blocks(entries);
    assert!(
        blocks.iter().filter(|block| block[0] == "services").count() >= 2,
        "compose.prod.yaml must run at least two app instances: {blocks:?}"
    );
    let mut environment = image_environment();
    assert_eq!(
        environment.get("APP_ENV").map(String::as_str),
        Some("production"),
        "the image sets APP_ENV=production"
    );
    for block in &blocks {
        for entry in entries {
            let Some(rest) = entry.path.strip_prefix(&block[..]) else {
                continue;
            };
            match rest {
                [key, item] if key == "environment" && item == "-" => {
                    panic!("{block:?}: write environment as a map of NAME: value")
                }
                [key, name] if key == "environment" => {
                    environment.insert(name.clone(), interpolate(&entry.value, example));
                }
                _ => {}
            }
        }
    }
    environment
}

#[test]
fn compose_gives_the_app_only_variables_its_configuration_reads() {
    let compose = read("compose.prod.yaml");
    let entries = entries(&compose);
    let environment = app_environment(&entries, &example_variables());
    assert!(environment.len() > 10, "{environment:?}");

    let asked = RefCell::new(BTreeSet::new());
    let config = Config::from_lookup(|name| {
        asked.borrow_mut().insert(name.to_owned());
        environment.get(name).cloned()
    })
    .unwrap_or_else(|error| panic!("the recipe's app environment does not start: {error}"));
    let asked = asked.into_inner();

    for name in environment.keys() {
        assert!(
            asked.contains(name),
            "compose.prod.yaml or the image gives the app {name}, which its configuration does not read"
        );
    }

    assert_eq!(
        environment["CLIENT_IP_SOURCE"], "RightmostXForwardedFor",
        "behind Caddy the app reads the rightmost X-Forwarded-For address (see Caddyfile)"
    );
    assert_eq!(config.app_env, AppEnv::Production);
    assert_eq!(config.base_url, "https://app.example.com");
    assert!(config.storage.s3.is_some(), "files go to the object store");
    assert!(config.valkey_url.is_some(), "instances share Valkey");
    assert!(config.email.smtp.is_some(), "mail goes out by SMTP");
}

#[test]
fn the_example_env_file_names_exactly_what_compose_needs() {
    let compose = read("compose.prod.yaml");
    let example = example_variables();
    let mut used: BTreeMap<String, bool> = BTreeMap::new();
    for line in uncommented_lines(&compose) {
        for interpolation in interpolations(line) {
            let required = interpolation.rule == Rule::Required;
            *used.entry(interpolation.name).or_default() |= required;
        }
    }
    assert!(used.contains_key("POSTGRES_PASSWORD"), "{used:?}");

    for (name, required) in &used {
        match (example.get(name), required) {
            (None, _) => panic!("compose.prod.yaml uses {name}: add it to .env.production.example"),
            (Some(None), true) => panic!(
                "compose.prod.yaml requires {name}: set it (uncommented) in .env.production.example"
            ),
            (Some(Some(_)), false) => panic!(
                "{name} is optional in compose.prod.yaml: comment it out in .env.production.example"
            ),
            _ => {}
        }
    }
    for name in example.keys() {
        assert!(
            used.contains_key(name),
            ".env.production.example names {name}, which compose.prod.yaml does not use"
        );
    }
}

#[test]
fn caddy_gets_every_variable_its_file_uses_and_alone_publishes_ports() {
    let entries = entries(&read("compose.prod.yaml"));
    let caddy_environment: Vec<&str> = entries
        .iter()
        .filter(|entry| {
            entry.path.len() == 4 && entry.path[..3] == ["services", "caddy", "environment"]
        })
        .map(|entry| entry.path[3].as_str())
        .collect();
    let caddyfile = read("Caddyfile");
    let mut used = 0;
    for line in uncommented_lines(&caddyfile) {
        let mut rest = line;
        while let Some(start) = rest.find("{$") {
            let after = &rest[start + 2..];
            let end = after.find('}').unwrap();
            let name = after[..end].split(':').next().unwrap();
            assert!(
                caddy_environment.contains(&name),
                "the Caddyfile uses {name}, which compose.prod.yaml does not give Caddy"
            );
            used += 1;
            rest = &after[end..];
        }
    }
    assert!(used >= 4, "{used} variables in the Caddyfile");

    let published: Vec<&[String]> = entries
        .iter()
        .filter(|entry| entry.path.last().is_some_and(|key| key == "ports"))
        .map(|entry| &entry.path[..entry.path.len() - 1])
        .collect();
    assert_eq!(
        published,
        [["services", "caddy"]],
        "only Caddy publishes ports"
    );
}

fn uncommented_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
}
