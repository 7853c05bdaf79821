//! Environment variables in configuration values, expanded the way a POSIX
//! shell expands parameters (IEEE Std 1003.1, Shell Command Language,
//! 2.6.2 "Parameter Expansion"), for the forms listed on [`expand`].

use remote_store_core::{Error, ErrorKind, Result};

/// Reads a variable: `Ok(None)` when unset.
pub(crate) type Lookup<'a> = dyn Fn(&str) -> Result<Option<String>> + 'a;

/// The environment of this process; a value that is not UTF-8 is an error,
/// never taken as unset.
pub(crate) fn process_env(name: &str) -> Result<Option<String>> {
    std::env::var_os(name)
        .map(|v| {
            v.into_string()
                .map_err(|_| invalid(format!("environment variable '{name}' is not valid UTF-8")))
        })
        .transpose()
}

/// Expands the parameters in `raw`; `at` names the value in errors and
/// `lookup` reads a variable.
///
/// | form | `NAME` set, not empty | set, empty | unset |
/// |---|---|---|---|
/// | `${NAME}` | value | empty | error |
/// | `${NAME:-word}` | value | word | word |
/// | `${NAME-word}` | value | empty | word |
/// | `${NAME:+word}` | word | empty | empty |
/// | `${NAME+word}` | word | word | empty |
/// | `${NAME:?message}` | value | error | error |
/// | `${NAME?message}` | value | empty | error |
///
/// `word` is expanded in turn, only when it is used; a `?` message is
/// shown as written, never expanded (it could show a secret). `$$` is a literal `$`
/// (where a shell would give its process id). An unset `${NAME}` is an
/// error rather than empty, like `set -u`, so a missing variable never
/// silently drops a piece of a value; a variable set but empty expands to
/// empty, as POSIX says (write `${NAME:?}` to refuse that too). A `$`
/// before a letter, digit or `_` that is not `${…}` is an error saying to
/// write `$$` or `${NAME}` (a shell would expand it); a `$` before anything
/// else stays as it is. Other forms (`:=`, `#`, `%`, …) are errors. Error
/// messages never show the value, which may be a secret.
pub(crate) fn expand(raw: &str, at: &str, lookup: &Lookup<'_>) -> Result<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(after) = rest.strip_prefix('{') {
            let end = closing_brace(after).ok_or_else(|| {
                // The value is not shown: it may be a secret.
                let column = raw.len() - rest.len();
                invalid(format!("{at}: unclosed `${{` at character {column}"))
            })?;
            out.push_str(&parameter(&after[..end], at, lookup)?);
            rest = &after[end + 1..];
        } else if rest.starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric()) {
            // The value is not shown: it may be a secret holding a `$`.
            let column = raw.len() - rest.len();
            return Err(invalid(format!(
                "{at}: a bare '$' at character {column}: write $$ for a literal '$', \
                 or ${{NAME}} for a variable"
            )));
        } else {
            out.push('$');
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` that closes a `${` whose body starts `body`,
/// skipping nested `${…}` and `$$`.
fn closing_brace(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// One `${…}` body.
fn parameter(body: &str, at: &str, lookup: &Lookup<'_>) -> Result<String> {
    let name_len = body
        .find(|c: char| c != '_' && !c.is_ascii_alphanumeric())
        .unwrap_or(body.len());
    let (name, op) = body.split_at(name_len);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(invalid(format!(
            "{at}: '${{{body}}}' does not start with a variable name"
        )));
    }
    let value = lookup(name).map_err(|e| in_value(e, at))?;
    let (colon, op) = match op.strip_prefix(':') {
        Some(op) => (true, op),
        None => (false, op),
    };
    if op.is_empty() && !colon {
        return value.ok_or_else(|| {
            invalid(format!(
                "{at}: environment variable '{name}' is not set \
                 (write ${{{name}:-default}} to give a default)"
            ))
        });
    }
    // With the colon, an empty value counts as unset.
    let set = value.as_deref().is_some_and(|v| !colon || !v.is_empty());
    let mut chars = op.chars();
    let form = chars.next();
    let word = chars.as_str();
    match form {
        Some('-') if set => Ok(value.unwrap_or_default()),
        Some('-') => expand(word, at, lookup),
        Some('+') if set => expand(word, at, lookup),
        Some('+') => Ok(String::new()),
        Some('?') if set => Ok(value.unwrap_or_default()),
        Some('?') if value.is_none() || colon => {
            // Shown as written: expanding it could show a secret.
            let message = word.to_owned();
            let why = if message.is_empty() {
                if value.is_none() {
                    "is not set"
                } else {
                    "is empty"
                }
                .to_owned()
            } else {
                message
            };
            Err(invalid(format!(
                "{at}: environment variable '{name}': {why}"
            )))
        }
        Some('?') => Ok(String::new()),
        _ => Err(invalid(format!(
            "{at}: '${{{body}}}' is not a supported expansion \
             (use ${{NAME}}, ${{NAME:-word}}, ${{NAME-word}}, ${{NAME:+word}}, \
             ${{NAME+word}}, ${{NAME:?message}} or ${{NAME?message}})"
        ))),
    }
}

fn in_value(e: Error, at: &str) -> Error {
    let message = e.reason();
    invalid(format!("{at}: {message}"))
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidConfig).with_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SET=value`, `EMPTY=` (set, empty); everything else unset.
    fn env(name: &str) -> Result<Option<String>> {
        Ok(match name {
            "SET" => Some("value".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        })
    }

    fn x(raw: &str) -> Result<String> {
        expand(raw, "k", &env)
    }

    #[test]
    fn every_form_follows_posix_for_set_empty_and_unset() {
        // (form, set, empty, unset); None = error.
        type Row = (
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
        );
        let table: [Row; 7] = [
            ("${V}", Some("value"), Some(""), None),
            ("${V:-w}", Some("value"), Some("w"), Some("w")),
            ("${V-w}", Some("value"), Some(""), Some("w")),
            ("${V:+w}", Some("w"), Some(""), Some("")),
            ("${V+w}", Some("w"), Some("w"), Some("")),
            ("${V:?m}", Some("value"), None, None),
            ("${V?m}", Some("value"), Some(""), None),
        ];
        for (form, set, empty, unset) in table {
            for (var, want) in [("SET", set), ("EMPTY", empty), ("UNSET", unset)] {
                let raw = form.replace('V', var);
                assert_eq!(x(&raw).ok().as_deref(), want, "{raw}");
            }
        }
    }

    #[test]
    fn an_empty_variable_never_widens_a_root() {
        assert_eq!(x("/data/${EMPTY:-safe}").unwrap(), "/data/safe");
        assert_eq!(x("/data/${UNSET:-safe}").unwrap(), "/data/safe");
        let e = x("/data/${EMPTY:?must be set}").unwrap_err();
        assert!(e.to_string().contains("'EMPTY': must be set"), "{e}");
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn words_expand_only_when_used_and_may_nest() {
        assert_eq!(x("${UNSET:-${SET}/x}").unwrap(), "value/x");
        assert_eq!(x("${UNSET:-${EMPTY:-deep}}").unwrap(), "deep");
        // The unused word would fail, but is never expanded.
        assert_eq!(x("${SET:-${UNSET}}").unwrap(), "value");
        assert_eq!(x("${UNSET:-a}b}").unwrap(), "ab}");
        assert_eq!(x("${UNSET:-$${x}}").unwrap(), "${x}");
    }

    #[test]
    fn dollars_and_bad_forms() {
        assert_eq!(x("cost $$5 and $ and $-").unwrap(), "cost $5 and $ and $-");
        for bad in [
            "$SET",
            "a/$x",
            "${",
            "${SET",
            "${}",
            "${1}",
            "${SET:=x}",
            "${#SET}",
        ] {
            let e = x(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{bad}");
            assert!(
                e.to_string().starts_with("k: ") || e.to_string().contains("k: "),
                "{e}"
            );
        }
        let e = x("${UNSET}").unwrap_err();
        assert!(e.to_string().contains("'UNSET' is not set"), "{e}");
        let e = x("/x/$HOME").unwrap_err();
        assert!(e.to_string().contains("write $$ for a literal"), "{e}");
        let e = x("Pa$5word").unwrap_err();
        assert!(!e.to_string().contains("Pa"), "a secret was shown: {e}");
        let e = x("s3cr3t${oops").unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "a secret was shown: {e}");
        assert_eq!(x("/srv/${EMPTY}").unwrap(), "/srv/", "POSIX: set but empty");
        assert!(x("/srv/${EMPTY:?}").is_err());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// `SECRET` holds `value`; every other name is unset.
        fn with_secret(value: &str) -> impl Fn(&str) -> Result<Option<String>> + '_ {
            move |name| Ok((name == "SECRET").then(|| value.to_owned()))
        }

        proptest! {
            /// Text without `$` is left as it is.
            #[test]
            fn text_without_parameters_is_kept(raw in "[^$]{0,40}") {
                prop_assert_eq!(expand(&raw, "k", &with_secret("v")).unwrap(), raw);
            }

            /// Any text, with every `$` written `$$`, expands to itself.
            #[test]
            fn escaped_text_round_trips(text in "\\PC{0,40}") {
                let escaped = text.replace('$', "$$");
                prop_assert_eq!(expand(&escaped, "k", &with_secret("v")).unwrap(), text);
            }

            /// A variable's value arrives exactly, even when it looks like
            /// syntax (`$`, `{`, `}`): values are not expanded again.
            #[test]
            fn values_arrive_verbatim(value in "\\PC{0,40}", before in "[a-z/]{0,8}", after in "[a-z/]{0,8}") {
                let raw = format!("{before}${{SECRET}}{after}");
                let got = expand(&raw, "k", &with_secret(&value)).unwrap();
                prop_assert_eq!(got, format!("{before}{value}{after}"));
            }

            /// Whatever the form, an error never shows the variable's
            /// value (it may be a secret).
            #[test]
            fn errors_never_show_the_value(
                value in "[A-Za-z0-9]{12,24}",
                form in prop::sample::select(vec![
                    "${SECRET", "${SECRET:=x}", "${SECRET#x}", "$SECRET", "${SECRET}${UNSET}",
                    "${UNSET:?${SECRET}}", "${SECRET%x}", "${SECRET:?}${NOPE?no}",
                ]),
            ) {
                if let Err(e) = expand(form, "k", &with_secret(&value)) {
                    prop_assert!(!e.to_string().contains(&value), "{} shows the value: {}", form, e);
                }
            }
        }
    }
}
