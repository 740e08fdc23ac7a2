//! How old a secret or key may get before ploy-connect says to rotate it: 90 days unless the
//! config file (`max_secret_age = "30d"` in profiles.toml) or `--max-age` says otherwise.

use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxAge(Duration);

impl Default for MaxAge {
    fn default() -> Self {
        MaxAge(Duration::days(90))
    }
}

impl MaxAge {
    /// "90d", "12w" or "48h"; at least one hour, at most ten years.
    pub fn parse(text: &str) -> Result<MaxAge, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let n: i64 = number
            .parse()
            .map_err(|_| format!("\"{text}\" is not an age: write it like 90d, 12w or 48h"))?;
        let age = match unit.trim() {
            "d" | "day" | "days" => Duration::days(n),
            "w" | "week" | "weeks" => Duration::weeks(n),
            "h" | "hour" | "hours" => Duration::hours(n),
            _ => {
                return Err(format!(
                    "\"{text}\": the unit is d (days), w (weeks) or h (hours)"
                ));
            }
        };
        if age < Duration::hours(1) || age > Duration::days(3650) {
            return Err(format!("\"{text}\": give an age between 1h and 3650d"));
        }
        Ok(MaxAge(age))
    }

    pub fn days(self) -> i64 {
        self.0.whole_days()
    }

    /// Whether a secret stored at `stored` is past this age at `now`. A date in the future
    /// (an edited file, or a clock that was wrong when it was stored) proves nothing about the
    /// secret's age, so it counts as past it: the admin is asked to look rather than reassured.
    pub fn exceeded(self, stored: OffsetDateTime, now: OffsetDateTime) -> bool {
        now - stored > self.0 || in_future(stored, now)
    }

    /// "set 12 days ago", or "set 120 days ago — rotate it" past the limit; "age unknown" for
    /// a profile written before ploy-connect recorded it. The flag says whether to warn.
    pub fn describe(self, stored: Option<OffsetDateTime>, now: OffsetDateTime) -> (String, bool) {
        match stored {
            None => ("age unknown".into(), false),
            Some(at) if in_future(at, now) => (
                format!(
                    "set on {} (in the future: check this machine's clock) — rotate it",
                    crate::text::rfc3339(at)
                ),
                true,
            ),
            Some(at) if self.exceeded(at, now) => (
                format!("set {} — rotate it", crate::text::ago(now, at)),
                true,
            ),
            Some(at) => (format!("set {}", crate::text::ago(now, at)), false),
        }
    }
}

/// A secret's age as both faces show it: "set 12 days ago", flagged past the limit, and a
/// key staged beside it said too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretAge {
    pub text: String,
    /// Past the limit (or dated in the future): the face warns.
    pub old: bool,
}

impl MaxAge {
    /// The age of a secret stored at `stored`, with `staged` when a new key waits beside it.
    pub fn secret_age(
        self,
        stored: Option<OffsetDateTime>,
        staged: bool,
        now: OffsetDateTime,
    ) -> SecretAge {
        let (mut text, old) = self.describe(stored, now);
        if staged {
            text.push_str(" · new key staged");
        }
        SecretAge { text, old }
    }
}

/// `max_secret_age` as the profiles file holds it, parsed once when the file is read. A value
/// that does not parse is kept with why, so a face can say so and use the default instead of
/// refusing the whole file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub struct AgeSetting {
    text: String,
    parsed: Result<MaxAge, String>,
}

impl AgeSetting {
    pub fn get(&self) -> Result<MaxAge, String> {
        self.parsed.clone()
    }
}

impl From<String> for AgeSetting {
    fn from(text: String) -> Self {
        let parsed = MaxAge::parse(&text);
        AgeSetting { text, parsed }
    }
}

impl From<AgeSetting> for String {
    fn from(s: AgeSetting) -> Self {
        s.text
    }
}

/// Clocks differ by a little; a date further ahead than this was not written by this clock.
const FUTURE_SLACK: Duration = Duration::minutes(5);

fn in_future(stored: OffsetDateTime, now: OffsetDateTime) -> bool {
    stored - now > FUTURE_SLACK
}

impl std::fmt::Display for MaxAge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} days", self.days())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse_and_warn_past_the_limit() {
        assert_eq!(MaxAge::parse("90d").unwrap(), MaxAge::default());
        assert_eq!(MaxAge::parse("2w").unwrap().days(), 14);
        assert_eq!(MaxAge::parse(" 48h ").unwrap().days(), 2);
        for bad in ["", "d", "90", "90x", "0d", "99999d", "-5d"] {
            assert!(MaxAge::parse(bad).is_err(), "{bad}");
        }
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let max = MaxAge::parse("30d").unwrap();
        let (text, warn) = max.describe(Some(now - Duration::days(40)), now);
        assert!(warn && text.contains("rotate it"), "{text}");
        assert_eq!(
            max.describe(Some(now - Duration::days(3)), now),
            ("set 3 days ago".to_string(), false)
        );
        assert_eq!(max.describe(None, now).0, "age unknown");
    }

    #[test]
    fn the_setting_is_parsed_when_read_and_a_bad_one_kept_with_why() {
        #[derive(serde::Deserialize, serde::Serialize)]
        struct File {
            max_secret_age: AgeSetting,
        }
        let good: File = toml::from_str("max_secret_age = \"30d\"").unwrap();
        assert_eq!(good.max_secret_age.get(), MaxAge::parse("30d"));
        let bad: File = toml::from_str("max_secret_age = \"soon\"").unwrap();
        assert!(bad.max_secret_age.get().is_err());
        // Written back as it was read.
        assert_eq!(
            toml::to_string(&bad).unwrap().trim(),
            "max_secret_age = \"soon\""
        );
    }

    #[test]
    fn a_staged_key_is_said_beside_the_age() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let age = MaxAge::default().secret_age(Some(now - Duration::days(120)), true, now);
        assert_eq!(age.text, "set 120 days ago — rotate it · new key staged");
        assert!(age.old);
    }

    #[test]
    fn a_date_in_the_future_is_flagged_not_trusted() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let max = MaxAge::default();
        let future = now + Duration::days(400);
        assert!(max.exceeded(future, now));
        let (text, warn) = max.describe(Some(future), now);
        assert!(warn, "{text}");
        assert!(
            text.contains("in the future") && text.contains("rotate it"),
            "{text}"
        );
        // A clock a minute apart is not a problem.
        assert!(!max.exceeded(now + Duration::minutes(1), now));
        assert!(!max.describe(Some(now + Duration::minutes(1)), now).1);
    }
}
