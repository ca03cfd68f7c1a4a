//! The bits of Python semantics blueprints rely on: truthiness and `str()`/`repr()` (shared
//! with the rest of Castellan in `castellan_core::python`) and `%`-formatting
//! (`"%s.view_%s" % (a, b)`).

use serde_json::Value;

pub use castellan_core::python::{py_repr, py_str, truthy};

/// One parsed `%` conversion specification.
#[derive(Default)]
struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    width: usize,
    precision: Option<usize>,
}

/// `format % tuple(args)`, as Python evaluates it.
pub fn percent_format(format: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::with_capacity(format.len());
    let mut args = args.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'(') {
            return Err("format requires a mapping".to_owned());
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.left = true,
                '0' => spec.zero = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => {}
                _ => break,
            }
            chars.next();
        }
        spec.width = digits(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.precision = Some(digits(&mut chars));
        }
        let conv = chars.next().ok_or("incomplete format")?;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let arg = args
            .next()
            .ok_or("not enough arguments for format string")?;
        let body = convert(conv, arg, &spec)?;
        pad(
            &mut out,
            &body,
            &spec,
            matches!(conv, 'd' | 'i' | 'u' | 'f' | 'F' | 'x' | 'X' | 'o'),
        );
    }
    if args.next().is_some() {
        return Err("not all arguments converted during string formatting".to_owned());
    }
    Ok(out)
}

/// Reads a run of decimal digits.
fn digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> usize {
    let mut n = 0usize;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d as usize);
        chars.next();
    }
    n
}

/// Converts one argument.
fn convert(conv: char, arg: &Value, spec: &Spec) -> Result<String, String> {
    let sign = |neg: bool| {
        if neg {
            "-"
        } else if spec.plus {
            "+"
        } else if spec.space {
            " "
        } else {
            ""
        }
    };
    Ok(match conv {
        's' | 'r' | 'a' => {
            let s = if conv == 's' {
                py_str(arg)
            } else {
                py_repr(arg)
            };
            match spec.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'd' | 'i' | 'u' => {
            let n = integer(arg, conv)?;
            format!("{}{}", sign(n < 0), n.unsigned_abs())
        }
        'x' | 'X' | 'o' => {
            let n = integer(arg, conv)?;
            let a = n.unsigned_abs();
            let body = match conv {
                'x' => format!("{a:x}"),
                'X' => format!("{a:X}"),
                _ => format!("{a:o}"),
            };
            format!("{}{body}", sign(n < 0))
        }
        'f' | 'F' => {
            let f = real(arg, conv)?;
            let p = spec.precision.unwrap_or(6);
            format!(
                "{}{:.*}",
                sign(f.is_sign_negative() && f != 0.0),
                p,
                f.abs()
            )
        }
        other => return Err(format!("unsupported format character '{other}'")),
    })
}

/// The integer value of a `%d` argument.
fn integer(arg: &Value, conv: char) -> Result<i64, String> {
    match arg {
        Value::Bool(b) => Ok(i64::from(*b)),
        #[allow(clippy::cast_possible_truncation)]
        Value::Number(n) => Ok(n
            .as_i64()
            .unwrap_or_else(|| n.as_f64().unwrap_or_default().trunc() as i64)),
        other => Err(format!(
            "%{conv} format: a real number is required, not {}",
            type_name(other)
        )),
    }
}

/// The float value of a `%f` argument.
fn real(arg: &Value, conv: char) -> Result<f64, String> {
    match arg {
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Number(n) => Ok(n.as_f64().unwrap_or_default()),
        other => Err(format!(
            "must be real number, not {} (%{conv})",
            type_name(other)
        )),
    }
}

/// Python's type name of a JSON value.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Appends `body` padded to the spec's width.
fn pad(out: &mut String, body: &str, spec: &Spec, numeric: bool) {
    let len = body.chars().count();
    if len >= spec.width {
        out.push_str(body);
    } else if spec.left {
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', spec.width - len));
    } else if spec.zero && numeric {
        let (sign, digits) = match body.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (Some(c), &body[1..]),
            _ => (None, body),
        };
        out.extend(sign);
        out.extend(std::iter::repeat_n('0', spec.width - len));
        out.push_str(digits);
    } else {
        out.extend(std::iter::repeat_n(' ', spec.width - len));
        out.push_str(body);
    }
}
