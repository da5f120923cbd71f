//! Provider logs in go-hclog's JSON line format on the real stderr.
//!
//! go-plugin reads the plugin's stderr line by line; a line that is a JSON object with string
//! `@level`, `@message` and `@timestamp` (6 fractional digits, RFC 3339 offset) is re-logged by
//! Terraform at that level under `provider.terraform-provider-ecsprod…`. Every other key becomes a
//! key/value pair. The level filter follows the terraform-plugin-log convention:
//! `TF_LOG_PROVIDER_ECSPROD`, then `TF_LOG_PROVIDER`, then `TF_LOG`; nothing is written when
//! none is set.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Mutex;

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::prelude::*;

/// hclog's `TimeFormatJSON`: `2006-01-02T15:04:05.000000Z07:00`.
const TIMESTAMP: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6][offset_hour sign:mandatory]:[offset_minute]"
);

/// The name Terraform shows after `@module`.
pub const MODULE: &str = "ecsprod";

/// Environment variables consulted for the level, most specific first.
const LEVEL_VARS: [&str; 3] = ["TF_LOG_PROVIDER_ECSPROD", "TF_LOG_PROVIDER", "TF_LOG"];

/// Reads the provider's log level from the environment. `None` means logging is off.
pub fn level_from_env(get: impl Fn(&str) -> Option<String>) -> Option<Level> {
    LEVEL_VARS
        .iter()
        .find_map(|var| get(var).filter(|v| !v.trim().is_empty()))
        .and_then(|value| parse_level(&value))
}

/// Maps a `TF_LOG`-style value to a level. `JSON` and unrecognised values mean TRACE, as in
/// Terraform itself; `OFF` turns logging off.
pub fn parse_level(value: &str) -> Option<Level> {
    match value.trim().to_ascii_uppercase().as_str() {
        "OFF" => None,
        "ERROR" => Some(Level::ERROR),
        "WARN" => Some(Level::WARN),
        "INFO" => Some(Level::INFO),
        "DEBUG" => Some(Level::DEBUG),
        _ => Some(Level::TRACE),
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// A `tracing` layer writing one hclog JSON object per event.
pub struct HclogLayer<W> {
    max_level: Level,
    out: Mutex<W>,
}

impl<W: std::io::Write + Send + 'static> HclogLayer<W> {
    pub fn new(max_level: Level, out: W) -> Self {
        Self {
            max_level,
            out: Mutex::new(out),
        }
    }
}

/// Collects an event's fields: `message` becomes `@message`, the rest stay as key/value pairs.
#[derive(Default)]
struct Fields {
    message: String,
    pairs: serde_json::Map<String, serde_json::Value>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.pairs.insert(field.name().to_owned(), value.into());
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.pairs.insert(field.name().to_owned(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.pairs.insert(field.name().to_owned(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.pairs.insert(field.name().to_owned(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.pairs.insert(field.name().to_owned(), text.into());
        }
    }
}

/// Renders one log line (without the trailing newline).
pub fn render_line(
    level: &Level,
    target: &str,
    message: &str,
    pairs: serde_json::Map<String, serde_json::Value>,
    now: OffsetDateTime,
) -> String {
    let mut obj = pairs;
    obj.insert("@level".into(), level_name(level).into());
    obj.insert("@message".into(), message.into());
    let timestamp = now
        .format(TIMESTAMP)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000000+00:00".to_owned());
    obj.insert("@timestamp".into(), timestamp.into());
    obj.insert("@module".into(), MODULE.into());
    obj.insert("@target".into(), target.into());
    serde_json::Value::Object(obj).to_string()
}

/// Libraries (gRPC, HTTP/2, TLS) log at most at INFO: their frame-level TRACE output would
/// drown the provider's own lines.
const LIBRARY_MAX_LEVEL: Level = Level::INFO;

impl<W> HclogLayer<W> {
    fn admits(&self, metadata: &tracing::Metadata<'_>) -> bool {
        let own = metadata.target().starts_with("ecsprod");
        let max = if own {
            self.max_level
        } else {
            self.max_level.min(LIBRARY_MAX_LEVEL)
        };
        metadata.level() <= &max
    }
}

impl<S: Subscriber, W: std::io::Write + Send + 'static> Layer<S> for HclogLayer<W> {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        self.admits(metadata)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !self.admits(meta) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let line = render_line(
            meta.level(),
            meta.target(),
            &fields.message,
            fields.pairs,
            OffsetDateTime::now_utc(),
        );
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

/// Installs the stderr logger per the environment and a panic hook that reports panics in the
/// form Terraform recognises as a plugin crash (`panic: ` prefix, then the location).
pub fn init() {
    if let Some(level) = level_from_env(|k| std::env::var(k).ok()) {
        let layer = HclogLayer::new(level, std::io::stderr());
        let _ = tracing_subscriber::registry().with(layer).try_init();
    }
    install_panic_hook();
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "unknown panic payload".to_owned()
        };
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "unknown location".to_owned());
        let backtrace = std::backtrace::Backtrace::force_capture();
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "panic: {message}");
        let _ = writeln!(stderr);
        let _ = writeln!(stderr, "location: {location}");
        for line in backtrace.to_string().lines() {
            let _ = writeln!(stderr, "{line}");
        }
        let _ = stderr.flush();
        // A panic anywhere leaves the provider in an unknown state: exit like a Go panic does,
        // so Terraform reports the crash instead of waiting on a half-dead process.
        std::process::exit(2);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_specific_variable_wins() {
        let env = |k: &str| match k {
            "TF_LOG" => Some("TRACE".to_owned()),
            "TF_LOG_PROVIDER_ECSPROD" => Some("warn".to_owned()),
            _ => None,
        };
        assert_eq!(level_from_env(env), Some(Level::WARN));
    }

    #[test]
    fn off_and_unset_disable_logging() {
        assert_eq!(level_from_env(|_| None), None);
        assert_eq!(
            level_from_env(|k| (k == "TF_LOG").then(|| "off".to_owned())),
            None
        );
    }

    #[test]
    fn json_and_unknown_values_mean_trace() {
        assert_eq!(parse_level("JSON"), Some(Level::TRACE));
        assert_eq!(parse_level("verbose"), Some(Level::TRACE));
    }

    #[test]
    fn line_has_hclog_keys_as_strings_with_microsecond_timestamp() {
        let now = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789)
            .expect("valid timestamp");
        let mut pairs = serde_json::Map::new();
        pairs.insert("rpc".into(), "PlanResourceChange".into());
        let line = render_line(&Level::DEBUG, "ecsprod_provider::x", "planned", pairs, now);
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "planned");
        assert_eq!(v["@timestamp"], "2023-11-14T22:13:20.123456+00:00");
        assert_eq!(v["@module"], "ecsprod");
        assert_eq!(v["rpc"], "PlanResourceChange");
    }
}
