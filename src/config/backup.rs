//! The backups section (`backup`): where database backups go without S3, how many are kept,
//! when the daily one runs, and where PostgreSQL's client tools are.

use std::path::PathBuf;

use super::{ConfigError, env::Env};

/// Database backups (`backup`).
#[derive(Debug, Clone)]
pub struct BackupConfig {
    /// Where backups are written when `S3_ENDPOINT` is unset (with it, the bucket's
    /// `backups/`).
    pub dir: PathBuf,
    /// How many backups are kept: the newest, after each backup.
    pub keep: usize,
    /// When the daily backup runs (UTC), or `None` for no daily backup.
    pub at: Option<TimeOfDay>,
    /// Where `pg_dump` and `pg_restore` are; `None` to look on `PATH` and in the usual
    /// install folders.
    pub pg_bin_dir: Option<PathBuf>,
}

/// A time of day, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

const AT_EXPECTED: &str = "a time of day in UTC such as 02:00, or off";

impl BackupConfig {
    /// The daily backup is on in production (at 02:00 UTC) and off elsewhere, unless
    /// `BACKUP_AT` says otherwise; it needs `DATABASE_URL` (the embedded development database
    /// is backed up with `db backup`).
    pub(super) fn read(
        env: &Env<'_>,
        production: bool,
        has_database_url: bool,
    ) -> Result<Self, ConfigError> {
        let keep: usize = env.parse_or("BACKUP_KEEP", "a number of backups", 30)?;
        if keep == 0 {
            return Err(env.invalid("BACKUP_KEEP", "a number of backups above 0", "0"));
        }
        let at = match env.get("BACKUP_AT") {
            None if production => Some(TimeOfDay { hour: 2, minute: 0 }),
            None => None,
            Some(value) if value.trim().eq_ignore_ascii_case("off") => None,
            Some(value) => Some(
                parse_time(value.trim())
                    .ok_or_else(|| env.invalid("BACKUP_AT", AT_EXPECTED, &value))?,
            ),
        };
        if at.is_some() && !has_database_url {
            return Err(env.missing(
                "DATABASE_URL",
                "the daily backup (BACKUP_AT) needs it; back up the embedded development \
                 database with `db backup`, or set BACKUP_AT=off",
            ));
        }
        Ok(Self {
            dir: PathBuf::from(
                env.get("BACKUP_DIR")
                    .unwrap_or_else(|| ".data/backups".into()),
            ),
            keep,
            at,
            pg_bin_dir: env.get("BACKUP_PG_BIN_DIR").map(PathBuf::from),
        })
    }
}

/// `HH:MM`, 24-hour.
fn parse_time(value: &str) -> Option<TimeOfDay> {
    let (hour, minute) = value.split_once(':')?;
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(hour) || !two_digits(minute) {
        return None;
    }
    let (hour, minute) = (hour.parse().ok()?, minute.parse().ok()?);
    (hour < 24 && minute < 60).then_some(TimeOfDay { hour, minute })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_are_hours_and_minutes() {
        assert_eq!(
            parse_time("02:30"),
            Some(TimeOfDay {
                hour: 2,
                minute: 30
            })
        );
        assert_eq!(
            parse_time("23:59").map(|at| at.to_string()),
            Some("23:59".into())
        );
        for wrong in ["24:00", "2:00", "02:60", "0200", "02:00:00", "", "ab:cd"] {
            assert_eq!(parse_time(wrong), None, "{wrong}");
        }
    }
}
