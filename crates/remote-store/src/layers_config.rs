//! Layers from configuration: `[backends.NAME.retry]`,
//! `[backends.NAME.timeout]`, `[backends.NAME.limits]`, `trace = true` and
//! `metrics = true` give
//! every store of that backend the layers of `remote_store_layers`
//! (feature `layers`; ADR-0017), in the order the ADR sets: timeout inside
//! retry, tracing and metrics outside.
//!
//! ```toml
//! [backends.lake]
//! type = "s3"
//! bucket = "lake"
//! trace = true
//!
//! [backends.lake.retry]
//! attempts = 5          # calls in all
//! initial_backoff = 0.2 # seconds
//! max_backoff = 10
//! budget = 300
//!
//! [backends.lake.timeout]
//! operation = 120       # seconds, one-shot calls
//! stall = 60            # seconds without a byte moving
//!
//! [backends.lake.limits]  # shared by every store of the backend
//! concurrency = 16      # calls at once
//! bandwidth = 10485760  # bytes per second
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use remote_store_core::{Error, ErrorKind, Result};
use serde_json::Value;

/// The layers a backend's stores get.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayersConfig {
    /// `[backends.NAME.retry]`: retry, with these settings (the layer's
    /// defaults for those not given).
    pub retry: Option<RetrySettings>,
    /// `[backends.NAME.timeout]`: deadlines and stall limits.
    pub timeout: Option<TimeoutSettings>,
    /// `trace = true`: a `tracing` span per operation.
    pub trace: bool,
    /// `metrics = true`: counters and histograms through `metrics`.
    pub metrics: bool,
    /// `[backends.NAME.limits]`: limits shared by every store of the
    /// backend.
    pub limits: Option<LimitSettings>,
}

/// `[backends.NAME.limits]`: shared by every store of the backend, on
/// both faces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LimitSettings {
    /// `concurrency`: calls at work at once (at least 1).
    pub concurrency: Option<usize>,
    /// `bandwidth`: bytes of file content per second, reads and writes
    /// together (at least 1).
    pub bandwidth: Option<u64>,
}

/// `[backends.NAME.retry]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetrySettings {
    /// `attempts`: calls in all, the first included (at least 1).
    pub attempts: Option<u32>,
    /// `initial_backoff`: the bound of the first pause, in seconds.
    pub initial_backoff: Option<Duration>,
    /// `max_backoff`: the largest bound of a pause, in seconds.
    pub max_backoff: Option<Duration>,
    /// `budget`: seconds from the first call after which no pause starts.
    pub budget: Option<Duration>,
}

/// `[backends.NAME.timeout]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeoutSettings {
    /// `operation`: seconds a one-shot call (or a write's commit) may take.
    pub operation: Option<Duration>,
    /// `stall`: seconds a stream may move no byte.
    pub stall: Option<Duration>,
}

impl LayersConfig {
    /// Whether any layer is asked for.
    pub fn is_empty(&self) -> bool {
        self.retry.is_none()
            && self.timeout.is_none()
            && self.limits.is_none()
            && !self.trace
            && !self.metrics
    }

    /// Takes `key` = `value` of backend table `at` when it is a layer
    /// setting: `Ok(true)`; `Ok(false)` for a backend option.
    pub(crate) fn take(&mut self, key: &str, value: &Value, at: &str) -> Result<bool> {
        let at = if at.is_empty() {
            key.to_owned()
        } else {
            format!("{at}.{key}")
        };
        match (key, value) {
            ("retry", Value::Object(fields)) => {
                let mut retry = RetrySettings::default();
                for (name, v) in fields {
                    let here = format!("{at}.{name}");
                    match name.as_str() {
                        "attempts" => retry.attempts = Some(attempts(v, &here)?),
                        "initial_backoff" => retry.initial_backoff = Some(seconds(v, &here)?),
                        "max_backoff" => retry.max_backoff = Some(seconds(v, &here)?),
                        "budget" => retry.budget = Some(seconds(v, &here)?),
                        _ => {
                            return Err(unknown(
                                &here,
                                "attempts, initial_backoff, max_backoff, budget",
                            ));
                        }
                    }
                }
                if let (Some(initial), Some(max)) = (retry.initial_backoff, retry.max_backoff)
                    && initial > max
                {
                    return Err(invalid(format!(
                        "{at}: initial_backoff ({} s) is above max_backoff ({} s)",
                        initial.as_secs_f64(),
                        max.as_secs_f64()
                    )));
                }
                self.retry = Some(retry);
            }
            ("timeout", Value::Object(fields)) => {
                let mut timeout = TimeoutSettings::default();
                for (name, v) in fields {
                    let here = format!("{at}.{name}");
                    match name.as_str() {
                        "operation" => timeout.operation = Some(seconds(v, &here)?),
                        "stall" => timeout.stall = Some(seconds(v, &here)?),
                        _ => return Err(unknown(&here, "operation, stall")),
                    }
                }
                self.timeout = Some(timeout);
            }
            ("limits", Value::Object(fields)) => {
                let mut limits = LimitSettings::default();
                for (name, v) in fields {
                    let here = format!("{at}.{name}");
                    match name.as_str() {
                        "concurrency" => {
                            limits.concurrency = Some(whole(v, &here, "calls", 1e6)? as usize);
                        }
                        "bandwidth" => {
                            limits.bandwidth = Some(whole(v, &here, "bytes per second", 1e15)?);
                        }
                        _ => return Err(unknown(&here, "concurrency, bandwidth")),
                    }
                }
                self.limits = Some(limits);
            }
            ("trace" | "metrics", value) => {
                let on = match value {
                    Value::Bool(on) => *on,
                    Value::String(text) => {
                        let expanded = crate::interpolate::expand(
                            text,
                            &at,
                            &crate::interpolate::process_env,
                        )?;
                        match expanded.trim() {
                            "true" => true,
                            "false" => false,
                            _ => {
                                return Err(invalid(format!(
                                    "{at}: expected true or false, got '{text}'"
                                )));
                            }
                        }
                    }
                    _ => return Err(invalid(format!("{at}: expected true or false"))),
                };
                if key == "trace" {
                    self.trace = on;
                } else {
                    self.metrics = on;
                }
            }
            ("retry" | "timeout" | "limits", _) => {
                return Err(invalid(format!("{at}: expected a table of settings")));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Takes the layer options out of a URL's query: `retry.attempts`,
    /// `retry.initial_backoff`, `retry.max_backoff`, `retry.budget`,
    /// `timeout.operation`, `timeout.stall`, `limits.concurrency`,
    /// `limits.bandwidth` (numbers, in the configuration's units), and
    /// `trace`, `metrics`, `retry` and `timeout` (`true` or `false`;
    /// `retry=true` and `timeout=true` ask for the layer with its
    /// defaults, `retry=false` for one attempt, which also overrides
    /// retries a tool adds by default; `timeout=false` is refused). Every
    /// other key is left for the backend's factory.
    ///
    /// # Errors
    /// `InvalidConfig` naming the option for a bad value or an unknown
    /// `retry.`/`timeout.` key.
    pub fn take_url_options(query: &mut BTreeMap<String, String>) -> Result<Self> {
        let mut layers = LayersConfig::default();
        let mut tables: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
        let keys: Vec<String> = query.keys().cloned().collect();
        let mut retry_off = false;
        for key in keys {
            let table = match key.split_once('.') {
                Some(("retry", _)) => "retry",
                Some(("timeout", _)) => "timeout",
                Some(("limits", _)) => "limits",
                _ if matches!(key.as_str(), "trace" | "metrics" | "retry" | "timeout") => {
                    let on = match query[&key].as_str() {
                        "true" | "" => true,
                        "false" => false,
                        other => {
                            return Err(invalid(format!(
                                "URL option '{key}': expected true or false, got '{other}'"
                            )));
                        }
                    };
                    query.remove(&key);
                    match key.as_str() {
                        // `retry=true`: the layer with its defaults (or
                        // the settings the dotted options give).
                        "retry" if on => {
                            layers.retry.get_or_insert_with(RetrySettings::default);
                        }
                        // `retry=false`: one attempt, which also turns off
                        // retries a tool would add by default.
                        "retry" => retry_off = true,
                        "timeout" if on => {
                            layers.timeout.get_or_insert_with(TimeoutSettings::default);
                        }
                        "timeout" => {
                            return Err(invalid(
                                "URL option 'timeout=false': the timeouts cannot be turned off; \
                                 leave the option out, or give long ones (timeout.operation, \
                                 timeout.stall)"
                                    .to_owned(),
                            ));
                        }
                        _ => {
                            layers.take(&key, &Value::Bool(on), "")?;
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let value = query.remove(&key).unwrap_or_default();
            let field = key[table.len() + 1..].to_owned();
            // A URL is not a configuration file: no variable expansion.
            let value = match value
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                Some(n) => Value::Number(n),
                None => Value::String(value.replace('$', "$$")),
            };
            tables.entry(table).or_default().insert(field, value);
        }
        if retry_off && tables.contains_key("retry") {
            return Err(invalid(
                "URL options 'retry=false' and 'retry.*' contradict each other".to_owned(),
            ));
        }
        for (table, fields) in tables {
            layers
                .take(table, &Value::Object(fields), "")
                .map_err(|e| invalid(format!("URL option {}", e.reason())))?;
        }
        if retry_off {
            layers.retry = Some(RetrySettings {
                attempts: Some(1),
                ..RetrySettings::default()
            });
        }
        Ok(layers)
    }

    /// The settings as URL options, `&`-joined (empty when no layer is
    /// asked for): what [`take_url_options`](Self::take_url_options) reads.
    pub fn to_url_options(&self) -> String {
        let mut pairs = Vec::new();
        for (table, entries) in self.tables() {
            if entries.is_empty() && table != "limits" {
                // The layer with its defaults (limits have none to ask for).
                pairs.push(format!("{table}=true"));
            }
            for (key, value) in entries {
                pairs.push(format!("{table}.{key}={value}"));
            }
        }
        for (key, on) in [("trace", self.trace), ("metrics", self.metrics)] {
            if on {
                pairs.push(format!("{key}=true"));
            }
        }
        pairs.join("&")
    }

    /// The settings as TOML lines of the backend's table (`trace`,
    /// `metrics`) and as sub-tables of `[backends.NAME]`.
    pub(crate) fn to_toml(&self, table: &str) -> (String, String) {
        let mut lines = String::new();
        for (key, on) in [("trace", self.trace), ("metrics", self.metrics)] {
            if on {
                lines.push_str(&format!("{key} = true\n"));
            }
        }
        let mut tables = String::new();
        for (name, entries) in self.tables() {
            tables.push_str(&format!("[{table}.{name}]\n"));
            for (key, value) in entries {
                tables.push_str(&format!("{key} = {value}\n"));
            }
            tables.push('\n');
        }
        (lines, tables)
    }

    /// The layer tables asked for, each with the settings it gives (keys
    /// and values as written in configuration; seconds as numbers).
    fn tables(&self) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
        let secs = |d: Duration| d.as_secs_f64().to_string();
        let given = |settings: Vec<(&'static str, Option<String>)>| {
            settings
                .into_iter()
                .filter_map(|(key, value)| Some((key, value?)))
                .collect::<Vec<_>>()
        };
        let mut tables = Vec::new();
        if let Some(r) = &self.retry {
            let entries = given(vec![
                ("attempts", r.attempts.map(|n| n.to_string())),
                ("initial_backoff", r.initial_backoff.map(secs)),
                ("max_backoff", r.max_backoff.map(secs)),
                ("budget", r.budget.map(secs)),
            ]);
            tables.push(("retry", entries));
        }
        if let Some(l) = &self.limits {
            let entries = given(vec![
                ("concurrency", l.concurrency.map(|n| n.to_string())),
                ("bandwidth", l.bandwidth.map(|n| n.to_string())),
            ]);
            tables.push(("limits", entries));
        }
        if let Some(t) = &self.timeout {
            let entries = given(vec![
                ("operation", t.operation.map(secs)),
                ("stall", t.stall.map(secs)),
            ]);
            tables.push(("timeout", entries));
        }
        tables
    }
}

/// One place for retries and timeouts (ADR-0017), set on the options of
/// a backend whose factory declares them, unless the configuration gives
/// them:
///
/// - under `retry`, `retry_max = 0`: the SDK retries requests itself (S3,
///   Azure), and each of the layer's attempts would make its retries too;
/// - under `timeout`, `request_timeout_secs = 0`: the SDK's whole-request
///   timeout (object_store's 30 s, body included) would cut a slow reader
///   or a large object that the stall limit lets run;
/// - under `timeout`, `io_timeout_secs` = the stall limit: a blocking
///   engine (ssh2) cannot be interrupted from above, so its own per-request
///   limit is the stall limit.
pub(crate) fn one_place(
    layers: &LayersConfig,
    specs: &[remote_store_core::OptionSpec],
    options: &mut remote_store_core::Options,
) {
    let declared = |name: &str| specs.iter().any(|s| s.name == name);
    let mut default = |name: &str, value: String| {
        if declared(name) && options.get(name).is_none() {
            options.set(name, value);
        }
    };
    if layers.retry.is_some() {
        default("retry_max", "0".to_owned());
    }
    if let Some(timeout) = &layers.timeout {
        default("request_timeout_secs", "0".to_owned());
        // The layer's default stall limit is 60 s.
        let stall = timeout.stall.map_or(60.0, |d| d.as_secs_f64());
        default("io_timeout_secs", stall.to_string());
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidConfig).with_message(message)
}

fn unknown(at: &str, expected: &str) -> Error {
    invalid(format!("{at}: unknown key (expected one of: {expected})"))
}

/// A number, or a string (environment variables expanded) holding one.
fn number(value: &Value, at: &str) -> Result<f64> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => crate::interpolate::expand(s, at, &crate::interpolate::process_env)?,
        _ => return Err(invalid(format!("{at}: expected a number"))),
    };
    text.trim().parse::<f64>().map_err(|_| {
        // The value as written: an expanded variable may hold a secret.
        let written = match value {
            Value::String(s) => s.replace("$$", "$"),
            other => other.to_string(),
        };
        invalid(format!("{at}: expected a number, got '{written}'"))
    })
}

fn seconds(value: &Value, at: &str) -> Result<Duration> {
    let n = number(value, at)?;
    if !(n.is_finite() && (0.001..=7.0 * 24.0 * 3600.0).contains(&n)) {
        return Err(invalid(format!(
            "{at}: expected seconds from 0.001 to a week, got {n}"
        )));
    }
    Ok(Duration::from_secs_f64(n))
}

fn attempts(value: &Value, at: &str) -> Result<u32> {
    Ok(whole(value, at, "attempts", 1000.0)? as u32)
}

/// A whole number of `what` from 1 to `max`.
fn whole(value: &Value, at: &str, what: &str, max: f64) -> Result<u64> {
    let n = number(value, at)?;
    if n.fract() != 0.0 || !(1.0..=max).contains(&n) {
        return Err(invalid(format!(
            "{at}: expected a whole number of {what} from 1 to {max}, got {n}"
        )));
    }
    Ok(n as u64)
}

/// The layers of a [`LayersConfig`], built once so that the limits are
/// shared by every store they are applied to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stack {
    #[cfg_attr(not(feature = "layers"), allow(dead_code))]
    config: LayersConfig,
    #[cfg(feature = "layers")]
    concurrency: Option<remote_store_layers::ConcurrencyLimitLayer>,
    #[cfg(feature = "layers")]
    bandwidth: Option<remote_store_layers::BandwidthLimitLayer>,
}

impl Stack {
    pub(crate) fn new(config: LayersConfig) -> Self {
        #[cfg(feature = "layers")]
        {
            let limits = config.limits.clone().unwrap_or_default();
            Stack {
                concurrency: limits
                    .concurrency
                    .map(remote_store_layers::ConcurrencyLimitLayer::new),
                bandwidth: limits
                    .bandwidth
                    .map(remote_store_layers::BandwidthLimitLayer::new),
                config,
            }
        }
        #[cfg(not(feature = "layers"))]
        Stack { config }
    }

    /// `store` with the layers, in the order of ADR-0017: timeout, the
    /// limits (outside the deadlines, so waiting for a permit is not
    /// counted against a call; inside retry, so a pause holds no permit),
    /// retry, tracing, metrics.
    #[cfg(feature = "layers")]
    pub(crate) fn apply<S: Layered>(&self, store: S) -> S {
        use remote_store_layers::{
            MetricsLayer, RetryLayer, RetryPolicy, TimeoutLayer, TraceLayer,
        };
        let config = &self.config;
        let mut store = store;
        if let Some(t) = &config.timeout {
            let mut layer = TimeoutLayer::new();
            if let Some(d) = t.operation {
                layer = layer.operation(d);
            }
            if let Some(d) = t.stall {
                layer = layer.stall(d);
            }
            store = store.with(layer);
        }
        if let Some(layer) = &self.bandwidth {
            store = store.with(layer.clone());
        }
        if let Some(layer) = &self.concurrency {
            store = store.with(layer.clone());
        }
        if let Some(r) = &config.retry {
            let defaults = RetryPolicy::new();
            let mut policy = RetryPolicy::new();
            if let Some(n) = r.attempts {
                policy = policy.max_attempts(n);
            }
            let initial = r.initial_backoff.unwrap_or(defaults.initial_backoff);
            let max = r.max_backoff.unwrap_or(defaults.max_backoff);
            policy = policy.backoff(initial, max);
            if let Some(d) = r.budget {
                policy = policy.budget(d);
            }
            store = store.with(RetryLayer::new(policy));
        }
        if config.trace {
            store = store.with(TraceLayer);
        }
        if config.metrics {
            store = store.with(MetricsLayer);
        }
        store
    }

    /// Without the `layers` feature there are none (building refused any).
    #[cfg(not(feature = "layers"))]
    pub(crate) fn apply<S: Layered>(&self, store: S) -> S {
        store
    }
}

/// Either face, for [`Stack::apply`].
pub(crate) trait Layered: Sized {
    #[cfg_attr(not(feature = "layers"), allow(dead_code))]
    fn with(self, layer: impl remote_store_core::layer::Layer) -> Self;
}

impl Layered for remote_store_core::Store {
    fn with(self, layer: impl remote_store_core::layer::Layer) -> Self {
        self.layer(layer)
    }
}

impl Layered for remote_store_core::AsyncStore {
    fn with(self, layer: impl remote_store_core::layer::Layer) -> Self {
        self.layer(layer)
    }
}
