//! JSON text exactly as DL Streamer's `nlohmann::json::dump(indent)` writes it.
//!
//! - Object keys sorted by their bytes (nlohmann's objects are `std::map<std::string, …>`),
//!   whatever map type `serde_json` was built with (`preserve_order` or not). Keys are unique
//!   in a `serde_json::Map`, as in nlohmann's.
//! - `indent < 0`: compact (`{"a":1,"b":[1,2]}`); `indent >= 0`: one element per line,
//!   `"key": value`, `indent` spaces per level (`0` = newlines without indentation); empty
//!   arrays and objects stay `[]` and `{}`.
//! - Floating-point numbers: the shortest digits that read back as the same `f64`, laid out by
//!   nlohmann's `to_chars`: integral values keep a `.0` (`1.0`), plain decimals from `1e-4` up to
//!   (but excluding) `1e15`, otherwise an exponent of at least two digits with a sign
//!   (`1e-05`, `1.5e+20`). Non-finite numbers print as `null`, as in nlohmann.
//! - Strings: `"`, `\` and control characters escaped (`\n`, `\u001f`, …), everything else, the
//!   non-ASCII included, written as is.

use std::fmt::Write;

use serde_json::Value;

/// The text of `value` with nlohmann's `dump(indent)` layout.
pub fn dump(value: &Value, indent: i32) -> String {
    let mut out = String::with_capacity(256);
    let step = usize::try_from(indent).ok();
    write_value(&mut out, value, step, 0);
    out
}

/// Writes `value`; `step` is the indent per level (`None` = compact), `depth` the current level.
fn write_value(out: &mut String, value: &Value, step: Option<usize>, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => {
                let _ = write!(out, "{u}");
            }
            (None, Some(i), _) => {
                let _ = write!(out, "{i}");
            }
            (None, None, Some(f)) => write_double(out, f),
            (None, None, None) => out.push_str("null"),
        },
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(out, i == 0, step, depth + 1);
                write_value(out, item, step, depth + 1);
            }
            close(out, ']', step, depth);
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                separator(out, i == 0, step, depth + 1);
                write_string(out, key);
                out.push_str(if step.is_some() { ": " } else { ":" });
                write_value(out, item, step, depth + 1);
            }
            close(out, '}', step, depth);
        }
    }
}

/// What goes before an element: `,` unless first; in pretty mode a newline and the indent.
fn separator(out: &mut String, first: bool, step: Option<usize>, depth: usize) {
    if !first {
        out.push(',');
    }
    if let Some(step) = step {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', step * depth));
    }
}

/// Closes a non-empty array or object opened at `depth`.
fn close(out: &mut String, bracket: char, step: Option<usize>, depth: usize) {
    if let Some(step) = step {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', step * depth));
    }
    out.push(bracket);
}

/// A quoted string; serde_json escapes exactly what nlohmann does (`"`, `\\`, control
/// characters, with lowercase `\u00XX`), and nothing else.
fn write_string(out: &mut String, s: &str) {
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

/// nlohmann's limits for plain decimal notation of a double: `1e-4 <= |v| < 1e15`.
const MIN_EXP: i32 = -4;
const MAX_EXP: i32 = 15;

/// `value` as nlohmann's `to_chars` lays it out (shortest round-trip digits).
#[cfg(test)]
fn format_double(value: f64) -> String {
    let mut out = String::new();
    write_double(&mut out, value);
    out
}

/// Appends `value` as nlohmann's `to_chars` lays it out (shortest round-trip digits).
fn write_double(out: &mut String, value: f64) {
    if !value.is_finite() {
        out.push_str("null");
        return;
    }
    if value.is_sign_negative() {
        out.push('-');
    }
    let value = value.abs();
    if value == 0.0 {
        out.push_str("0.0");
        return;
    }
    // Rust's `{:e}` gives the shortest digits that round-trip: `d[.ddd]e<exp>`.
    let mut scientific = String::with_capacity(32);
    let _ = write!(scientific, "{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let (first, rest) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let k = 1 + rest.len() as i32;
    // The decimal point sits after `n` digits: value = 0.digits × 10^n.
    let n = exponent + 1;
    let zeros = |out: &mut String, count: i32| {
        out.extend(std::iter::repeat_n(
            '0',
            usize::try_from(count).unwrap_or(0),
        ));
    };

    if k <= n && n <= MAX_EXP {
        // digits[000].0
        out.push_str(first);
        out.push_str(rest);
        zeros(out, n - k);
        out.push_str(".0");
    } else if 0 < n && n <= MAX_EXP {
        // dig.its (n < k here)
        let (int, frac) = rest.split_at((n - 1) as usize);
        out.push_str(first);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if MIN_EXP < n && n <= 0 {
        // 0.[000]digits
        out.push_str("0.");
        zeros(out, -n);
        out.push_str(first);
        out.push_str(rest);
    } else {
        // d[.igits]e±XX
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        let _ = write!(out, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn doubles_as_nlohmann_prints_them() {
        let cases = [
            (1.0, "1.0"),
            (0.5, "0.5"),
            (-2.0, "-2.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (123.456, "123.456"),
            (1e15, "1e+15"),
            (123456789012345.0, "123456789012345.0"),
            (1e20, "1e+20"),
            (1.25e100, "1.25e+100"),
            (5e-324, "5e-324"),
            (f64::from(0.1f32), "0.10000000149011612"),
            (f64::NAN, "null"),
            (f64::INFINITY, "null"),
        ];
        for (value, text) in cases {
            assert_eq!(format_double(value), text, "{value:e}");
        }
    }

    #[test]
    fn compact_and_pretty_layouts() {
        let v = json!({"b": [1, 2.5, {}], "a": {"y": [], "x": "q\"\n\u{1f}é"}});
        assert_eq!(
            dump(&v, -1),
            r#"{"a":{"x":"q\"\n\u001fé","y":[]},"b":[1,2.5,{}]}"#
        );
        assert_eq!(
            dump(&v, 2),
            "{\n  \"a\": {\n    \"x\": \"q\\\"\\n\\u001fé\",\n    \"y\": []\n  },\n  \"b\": [\n    1,\n    2.5,\n    {}\n  ]\n}"
        );
        assert_eq!(dump(&json!({"k": [1]}), 0), "{\n\"k\": [\n1\n]\n}");
    }
}
