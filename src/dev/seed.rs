//! `cargo run -- seed contacts --user EMAIL --count N`: believable fake contacts, for trying
//! the list, the search and the pagination at any size, and for the benchmark.
//!
//! Rows go in batches through `UNNEST` (one statement per few thousand contacts), so 100,000
//! take seconds. Addresses are unique per owner; one that happens to be taken already is
//! skipped and made up again, so the count asked for is the count added.

use anyhow::Context;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::{db as users, forms::normalize_email};

const BATCH: usize = 5_000;

const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Alan",
    "Amara",
    "Andrés",
    "Anika",
    "Beatriz",
    "Ben",
    "Camille",
    "Chen",
    "Chloé",
    "Daniel",
    "Dmitri",
    "Elena",
    "Emeka",
    "Fatima",
    "Felix",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Isaac",
    "Jamal",
    "Jin",
    "John",
    "Julia",
    "Kai",
    "Karin",
    "Leila",
    "Liam",
    "Lucía",
    "Malik",
    "Margaret",
    "Mateo",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Sakura",
    "Samuel",
    "Sofia",
    "Tariq",
    "Thea",
    "Tomás",
    "Valentina",
    "Wei",
    "Yusuf",
    "Zoë",
];

const LAST_NAMES: &[&str] = &[
    "Abara",
    "Almeida",
    "Berg",
    "Byrne",
    "Castillo",
    "Chen",
    "Dubois",
    "Eriksson",
    "Fischer",
    "García",
    "Hamilton",
    "Hopper",
    "Ibrahim",
    "Ito",
    "Jansen",
    "Kowalski",
    "Kumar",
    "Lambert",
    "Lovelace",
    "Martin",
    "Moreau",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Park",
    "Patel",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Smith",
    "Tanaka",
    "Turing",
    "Van Dijk",
    "Wagner",
    "Walker",
    "Williams",
    "Xu",
    "Yamamoto",
    "Zhang",
    "Zielinski",
];

/// Company names, with the domain their people's addresses use.
const COMPANIES: &[(&str, &str)] = &[
    ("Acme Corporation", "acme.test"),
    ("Blue Harbor Logistics", "blueharbor.test"),
    ("Cedar & Pine Architects", "cedarpine.test"),
    ("Delta Robotics", "deltarobotics.test"),
    ("Evergreen Health", "evergreen.test"),
    ("Fjord Analytics", "fjord.test"),
    ("Globex", "globex.test"),
    ("Helios Energy", "helios.test"),
    ("Initech", "initech.test"),
    ("Juniper Foods", "juniper.test"),
    ("Kestrel Aviation", "kestrel.test"),
    ("Lumen Books", "lumen.test"),
    ("Meridian Bank", "meridian.test"),
    ("Northwind Traders", "northwind.test"),
    ("Orbit Media", "orbit.test"),
    ("Quantum Textiles", "quantum.test"),
    ("Riverbend Studios", "riverbend.test"),
    ("Summit Outdoor", "summit.test"),
    ("Tidewater Labs", "tidewater.test"),
    ("Umbrella Insurance", "umbrella.test"),
];

const NOTES: &[&str] = &[
    "Met at the spring conference; interested in the enterprise plan.",
    "Prefers email over calls. Follow up after the quarterly review.",
    "Introduced by a mutual friend. Loves hiking and jazz.",
    "Asked for a product demo next month.",
    "Decision maker for the northern region.",
    "Renewal due in the autumn; send the new pricing first.",
    "Speaks Spanish and Portuguese. Based in Lisbon.",
    "Wrote a great article on supply chains: https://example.com/articles/supply",
];

/// A small, fast generator (SplitMix64): fake data needs variety, not secrecy.
struct Dice(u64);

impl Dice {
    fn new() -> Self {
        Self(Uuid::new_v4().as_u64_pair().0)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or_default()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// One batch of contacts, column by column, as `UNNEST` takes them.
#[derive(Default)]
struct Columns {
    first_names: Vec<String>,
    last_names: Vec<Option<String>>,
    emails: Vec<Option<String>>,
    phones: Vec<Option<String>>,
    companies: Vec<Option<String>>,
    notes: Vec<Option<String>>,
}

impl Columns {
    fn fake(dice: &mut Dice, size: usize) -> Self {
        let mut columns = Self::default();
        for _ in 0..size {
            let first = *dice.pick(FIRST_NAMES);
            let last = dice.chance(95).then(|| *dice.pick(LAST_NAMES));
            let (company, domain) = *dice.pick(COMPANIES);
            let local: String =
                format!("{first}.{}.{}", last.unwrap_or("x"), dice.next() % 100_000)
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_lowercase();
            columns.first_names.push(first.to_owned());
            columns.last_names.push(last.map(str::to_owned));
            columns
                .emails
                .push(dice.chance(90).then(|| format!("{local}@{domain}")));
            columns.phones.push(dice.chance(80).then(|| {
                format!(
                    "+1 555 {:03} {:04}",
                    dice.next() % 1000,
                    dice.next() % 10_000
                )
            }));
            columns
                .companies
                .push(dice.chance(85).then(|| company.to_owned()));
            columns
                .notes
                .push(dice.chance(40).then(|| (*dice.pick(NOTES)).to_owned()));
        }
        columns
    }
}

/// Adds `count` fake contacts to the account with address `email`.
pub async fn contacts(pool: &PgPool, email: &str, count: usize) -> anyhow::Result<()> {
    let email = normalize_email(email);
    let owner = users::find_by_email(pool, &email)
        .await?
        .with_context(|| format!("no account has the address {email}; sign up first"))?;
    add(pool, owner.id, count).await
}

/// Adds `count` fake contacts to `owner`'s book.
pub async fn add(pool: &PgPool, owner: Uuid, count: usize) -> anyhow::Result<()> {
    let mut dice = Dice::new();
    let mut added = 0;
    while added < count {
        let columns = Columns::fake(&mut dice, BATCH.min(count - added));
        let inserted = sqlx::query!(
            r#"
            INSERT INTO contacts (owner_id, first_name, last_name, email, phone, company, notes)
            SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[],
                                     $6::text[], $7::text[])
            ON CONFLICT (owner_id, email) DO NOTHING
            "#,
            owner,
            &columns.first_names,
            &columns.last_names as &[Option<String>],
            &columns.emails as &[Option<String>],
            &columns.phones as &[Option<String>],
            &columns.companies as &[Option<String>],
            &columns.notes as &[Option<String>],
        )
        .execute(pool)
        .await
        .context("inserting fake contacts")?
        .rows_affected();
        added += usize::try_from(inserted).unwrap_or_default();
    }
    // Fresh statistics, so the planner knows the table's new size at once.
    sqlx::query!("ANALYZE contacts").execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::forms::ContactForm;
    use validator::Validate;

    #[test]
    fn fake_contacts_pass_the_forms_rules() {
        let columns = Columns::fake(&mut Dice::new(), 500);
        for i in 0..500 {
            let form = ContactForm {
                first_name: columns.first_names[i].clone(),
                last_name: columns.last_names[i].clone(),
                email: columns.emails[i].clone(),
                phone: columns.phones[i].clone(),
                company: columns.companies[i].clone(),
                notes: columns.notes[i].clone(),
            };
            assert!(form.validate().is_ok(), "{form:?}");
        }
    }
}
