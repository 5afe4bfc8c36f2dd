//! The generators on a project of their own: what they write, what they refuse, and that
//! they never overwrite a file without `--force`. (`scripts/check-starter`, run by CI, builds
//! and tests what they write.)

use std::{
    fs,
    path::{Path, PathBuf},
};

use app::dev::generate;

const ALL_TYPES: &[&str] = &[
    "number:string",
    "amount:decimal",
    "due_on:date",
    "paid:bool",
    "notes:text?",
    "quantity:int",
    "issued_at:datetime",
    "customer_id:uuid?",
];

/// A scratch project: the real templates, lib.rs and tests/it/main.rs, a hand-written
/// module and test file, and an empty migrations folder.
fn project() -> PathBuf {
    let root = std::env::temp_dir().join(format!("generate-{}", uuid::Uuid::new_v4()));
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["templates/resource", "templates/migration"] {
        fs::create_dir_all(root.join(dir)).unwrap();
        for entry in fs::read_dir(source.join(dir)).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), root.join(dir).join(entry.file_name())).unwrap();
        }
    }
    fs::create_dir_all(root.join("src/contacts")).unwrap();
    fs::create_dir_all(root.join("migrations")).unwrap();
    fs::copy(source.join("src/lib.rs"), root.join("src/lib.rs")).unwrap();
    fs::create_dir_all(root.join("tests/it")).unwrap();
    fs::copy(
        source.join("tests/it/main.rs"),
        root.join("tests/it/main.rs"),
    )
    .unwrap();
    fs::write(
        root.join("tests/it/notes.rs"),
        "//! Notes, tested by hand.\n",
    )
    .unwrap();
    fs::write(
        root.join("src/contacts/mod.rs"),
        "//! Contacts, written by hand.\n",
    )
    .unwrap();
    root
}

fn specs(list: &[&str]) -> Vec<String> {
    list.iter().map(|spec| (*spec).to_owned()).collect()
}

#[test]
fn a_resource_is_written_and_registered_once() {
    let root = project();
    let written = generate::resource(&root, "invoices", &specs(ALL_TYPES), false).unwrap();
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    for expected in [
        "src/invoices/mod.rs",
        "src/invoices/paths.rs",
        "src/invoices/db.rs",
        "src/invoices/forms.rs",
        "src/invoices/fields.rs",
        "src/invoices/handlers.rs",
        "src/invoices/views.rs",
        "tests/it/invoices.rs",
        "src/lib.rs",
        "tests/it/main.rs",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "{expected} in {names:?}"
        );
    }
    let migrations: Vec<String> = fs::read_dir(root.join("migrations"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(migrations.len(), 2, "{migrations:?}");
    assert!(
        migrations
            .iter()
            .any(|m| m.ends_with("_create_invoices.up.sql"))
    );
    assert!(
        migrations
            .iter()
            .any(|m| m.ends_with("_create_invoices.down.sql"))
    );

    let up = fs::read_to_string(
        root.join(
            migrations
                .iter()
                .find(|m| m.ends_with(".up.sql"))
                .map(|m| format!("migrations/{m}"))
                .unwrap(),
        ),
    )
    .unwrap();
    assert!(up.contains("amount numeric NOT NULL"), "{up}");
    assert!(up.contains("notes text,"), "{up}");
    assert!(up.contains("owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE"));

    let lib = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert_eq!(lib.matches("pub mod invoices;").count(), 1);
    assert_eq!(lib.matches(".merge(invoices::routes())").count(), 1);
    assert_eq!(
        lib.matches("(invoices::paths::INDEX, \"Invoices\")")
            .count(),
        1
    );

    let tests = fs::read_to_string(root.join("tests/it/main.rs")).unwrap();
    assert_eq!(tests.matches("\nmod invoices;\n").count(), 1, "{tests}");

    // A second run refuses and changes nothing; with --force it rewrites the same files (and
    // the same migration), and registers nothing twice.
    let before = fs::read_to_string(root.join("src/invoices/db.rs")).unwrap();
    let error = generate::resource(&root, "invoices", &specs(ALL_TYPES), false).unwrap_err();
    assert!(error.to_string().contains("--force"), "{error}");
    generate::resource(&root, "invoices", &specs(&ALL_TYPES[..2]), true).unwrap();
    assert_ne!(
        fs::read_to_string(root.join("src/invoices/db.rs")).unwrap(),
        before
    );
    assert_eq!(fs::read_dir(root.join("migrations")).unwrap().count(), 2);
    let lib = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert_eq!(lib.matches(".merge(invoices::routes())").count(), 1);
    let tests = fs::read_to_string(root.join("tests/it/main.rs")).unwrap();
    assert_eq!(tests.matches("\nmod invoices;\n").count(), 1, "{tests}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn names_that_clash_are_refused_before_anything_is_written() {
    let root = project();
    for (name, fields, message) in [
        ("contacts", vec!["name:string"], "was not generated"),
        ("notes", vec!["name:string"], "was not generated"),
        ("type", vec!["name:string"], "Rust keyword"),
        ("invoice", vec!["name:string"], "plural"),
        ("invoices", vec![], "at least one field"),
        ("invoices", vec!["fn:string"], "Rust keyword"),
        ("invoices", vec!["total:money"], "unknown type"),
        ("invoices", vec!["total:int", "total:int"], "twice"),
    ] {
        let error = generate::resource(&root, name, &specs(&fields), true).unwrap_err();
        assert!(
            error.to_string().contains(message),
            "{name} {fields:?}: {error}"
        );
    }
    // The hand-written module is untouched, and nothing was registered.
    assert_eq!(
        fs::read_to_string(root.join("src/contacts/mod.rs")).unwrap(),
        "//! Contacts, written by hand.\n"
    );
    assert_eq!(fs::read_dir(root.join("migrations")).unwrap().count(), 0);
    for file in ["src/lib.rs", "tests/it/main.rs"] {
        assert_eq!(
            fs::read_to_string(root.join(file)).unwrap(),
            fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap(),
            "{file}"
        );
    }
    assert_eq!(
        fs::read_to_string(root.join("tests/it/notes.rs")).unwrap(),
        "//! Notes, tested by hand.\n"
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_migration_is_a_reversible_pair() {
    let root = project();
    let written = generate::migration(&root, "add_due_on_to_invoices", false).unwrap();
    assert_eq!(written.len(), 2);
    assert!(
        written[0]
            .display()
            .to_string()
            .ends_with("_add_due_on_to_invoices.up.sql")
    );
    assert!(
        written[1]
            .display()
            .to_string()
            .ends_with("_add_due_on_to_invoices.down.sql")
    );
    let error = generate::migration(&root, "add_due_on_to_invoices", false).unwrap_err();
    assert!(error.to_string().contains("--force"), "{error}");
    assert!(generate::migration(&root, "Add Due", false).is_err());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_table_the_app_has_or_an_sql_key_word_is_refused() {
    let root = project();
    fs::write(
        root.join("migrations/20261124000200_users.sql"),
        "CREATE TABLE users (id uuid PRIMARY KEY);\n",
    )
    .unwrap();
    let error = generate::resource(&root, "users", &specs(&["title:string"]), false).unwrap_err();
    assert!(error.to_string().contains("table of the app"), "{error}");
    for word in ["order", "select", "user", "group", "offset", "end"] {
        let field = format!("{word}:string");
        let error = generate::resource(&root, "pages", &specs(&[&field]), false).unwrap_err();
        assert!(
            error.to_string().contains("SQL key word"),
            "{word}: {error}"
        );
    }
    assert!(!root.join("src/users").exists() && !root.join("src/pages").exists());
    fs::remove_dir_all(root).unwrap();
}

/// The modules of a feature folder, by name: `views.rs` and `views/` are both `views`, so a
/// part that grew into a folder is still the same part.
fn module_names(dir: &Path) -> std::collections::BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.trim_end_matches(".rs").to_owned()
        })
        .collect()
}

/// A generated module has the parts of `src/contacts/` under the same names. The rule: the
/// parts every feature has are the same set in both; contacts may have more, and only these
/// extras (`export/` its CSV export), which a generated resource has no use for. A part added
/// to contacts, or to the templates, fails this test until it is added to the other or listed
/// here as an extra.
#[test]
fn a_resource_has_the_parts_of_contacts_under_the_same_names() {
    const CONTACTS_ONLY: &[&str] = &["export"];
    let root = project();
    generate::resource(&root, "invoices", &specs(ALL_TYPES), false).unwrap();
    let generated = module_names(&root.join("src/invoices"));
    let contacts = module_names(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/contacts"));
    let shared: std::collections::BTreeSet<String> = contacts
        .iter()
        .filter(|name| !CONTACTS_ONLY.contains(&name.as_str()))
        .cloned()
        .collect();
    assert_eq!(generated, shared, "contacts has {contacts:?}");
    fs::remove_dir_all(root).unwrap();
}

/// What the templates write, kept in `tests/snapshots/generate/` and compared byte for byte,
/// so that a change to a template shows in review as the code it writes. After changing a
/// template on purpose, refresh them:
///
///     UPDATE_SNAPSHOTS=1 cargo test --test it generate::
#[test]
fn a_resource_is_written_as_its_snapshot() {
    let root = project();
    let written = generate::resource(&root, "invoices", &specs(ALL_TYPES), false).unwrap();
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/generate");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    // The registrations (lib.rs, the test binary's main.rs) are the project's own files with a
    // line added; `a_resource_is_written_and_registered_once` checks them.
    for path in written
        .iter()
        .filter(|path| !path.ends_with("src/lib.rs") && !path.ends_with("tests/it/main.rs"))
    {
        // The migration's version is the time it was written: the snapshot goes without it.
        let name = path.display().to_string();
        let name = match name.split_once("_create_") {
            Some((_, rest)) if name.starts_with("migrations/") => {
                format!("migrations/create_{rest}")
            }
            _ => name,
        };
        let text = fs::read_to_string(root.join(path)).unwrap();
        let snapshot = snapshots.join(&name);
        if update {
            fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
            fs::write(&snapshot, &text).unwrap();
        } else if fs::read_to_string(&snapshot).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    fs::remove_dir_all(root).unwrap();
    assert!(
        stale.is_empty(),
        "the generator's output differs from tests/snapshots/generate/ in {stale:?}: \
         if the change is meant, run UPDATE_SNAPSHOTS=1 cargo test --test it generate:: \
         and commit the snapshots"
    );
}
