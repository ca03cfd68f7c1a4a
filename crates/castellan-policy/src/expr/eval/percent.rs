//! printf-style `%` formatting (`"Hello %s" % name`), which monty lacks; the rewrite layer
//! turns `"literal" % args` into a call of this helper.
use monty_types::{DictPairs, ExcType, MontyObject};

type FormatError = (ExcType, String);

/// Python `str()` of a value.
pub(crate) fn py_str(obj: &MontyObject) -> String {
    match obj {
        MontyObject::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Python's rules: a tuple supplies positional values; a dict supplies `%(key)s` values
/// and is itself the positional value of a bare `%s`; anything else is one positional value.
struct Args<'a> {
    positional: Vec<&'a MontyObject>,
    used: usize,
    mapping: Option<&'a DictPairs>,
}

/// Formats `fmt % args`.
pub(crate) fn format(fmt: &str, args: &MontyObject) -> Result<String, FormatError> {
    let mut args = match args {
        MontyObject::Tuple(items) => Args {
            positional: items.iter().collect(),
            used: 0,
            mapping: None,
        },
        MontyObject::Dict(pairs) => Args {
            positional: vec![args],
            used: 0,
            mapping: Some(pairs),
        },
        other => Args {
            positional: vec![other],
            used: 0,
            mapping: None,
        },
    };
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut key = None;
        if chars.get(i) == Some(&'(') {
            let close = chars[i..]
                .iter()
                .position(|c| *c == ')')
                .ok_or_else(|| err("incomplete format key"))?;
            key = Some(chars[i + 1..i + close].iter().collect::<String>());
            i += close + 1;
        }
        let mut flags = String::new();
        while let Some(f) = chars.get(i).filter(|c| "#0- +".contains(**c)) {
            flags.push(*f);
            i += 1;
        }
        let width = number(&chars, &mut i, &mut args)?;
        let precision = if chars.get(i) == Some(&'.') {
            i += 1;
            Some(number(&chars, &mut i, &mut args)?.unwrap_or(0))
        } else {
            None
        };
        while chars.get(i).is_some_and(|c| "hlL".contains(*c)) {
            i += 1;
        }
        let conv = *chars.get(i).ok_or_else(|| err("incomplete format"))?;
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let value = next_arg(&mut args, key.as_deref())?;
        let body = convert(conv, value, &flags, precision)?;
        pad(
            &mut out,
            &body,
            width,
            &flags,
            "diouxXeEfFgG".contains(conv),
        );
    }
    if args.mapping.is_none() && args.used < args.positional.len() {
        return Err((
            ExcType::TypeError,
            "not all arguments converted during string formatting".to_owned(),
        ));
    }
    Ok(out)
}

fn err(message: &str) -> FormatError {
    (ExcType::ValueError, message.to_owned())
}

fn number(
    chars: &[char],
    i: &mut usize,
    args: &mut Args<'_>,
) -> Result<Option<usize>, FormatError> {
    if chars.get(*i) == Some(&'*') {
        *i += 1;
        return match next_arg(args, None)? {
            MontyObject::Int(n) => Ok(Some(usize::try_from(*n).unwrap_or(0))),
            _ => Err((ExcType::TypeError, "* wants int".to_owned())),
        };
    }
    let start = *i;
    while chars.get(*i).is_some_and(char::is_ascii_digit) {
        *i += 1;
    }
    if start == *i {
        return Ok(None);
    }
    let digits: String = chars[start..*i].iter().collect();
    Ok(digits.parse().ok())
}

fn next_arg<'a>(args: &mut Args<'a>, key: Option<&str>) -> Result<&'a MontyObject, FormatError> {
    match key {
        Some(key) => {
            let pairs = args
                .mapping
                .ok_or((ExcType::TypeError, "format requires a mapping".to_owned()))?;
            pairs
                .into_iter()
                .find(|(k, _)| matches!(k, MontyObject::String(s) if s == key))
                .map(|(_, v)| v)
                .ok_or((ExcType::KeyError, format!("'{key}'")))
        }
        None => {
            let item = args.positional.get(args.used).copied().ok_or((
                ExcType::TypeError,
                "not enough arguments for format string".to_owned(),
            ))?;
            args.used += 1;
            Ok(item)
        }
    }
}

fn as_f64(value: &MontyObject, conv: char) -> Result<f64, FormatError> {
    match value {
        MontyObject::Int(n) => Ok(*n as f64),
        MontyObject::Float(f) => Ok(*f),
        MontyObject::Bool(b) => Ok(f64::from(u8::from(*b))),
        other => Err((
            ExcType::TypeError,
            format!(
                "%{conv} format: a real number is required, not {}",
                other.type_name()
            ),
        )),
    }
}

fn as_i64(value: &MontyObject, conv: char) -> Result<i64, FormatError> {
    match value {
        MontyObject::Int(n) => Ok(*n),
        MontyObject::Bool(b) => Ok(i64::from(*b)),
        MontyObject::Float(f) => Ok(f.trunc() as i64),
        other => Err((
            ExcType::TypeError,
            format!(
                "%{conv} format: a real number is required, not {}",
                other.type_name()
            ),
        )),
    }
}

fn convert(
    conv: char,
    value: &MontyObject,
    flags: &str,
    precision: Option<usize>,
) -> Result<String, FormatError> {
    let sign = |negative: bool| {
        if negative {
            "-"
        } else if flags.contains('+') {
            "+"
        } else if flags.contains(' ') {
            " "
        } else {
            ""
        }
    };
    Ok(match conv {
        's' => truncate(py_str(value), precision),
        'r' | 'a' => truncate(value.py_repr(), precision),
        'd' | 'i' | 'u' => {
            let n = as_i64(value, conv)?;
            format!("{}{}", sign(n < 0), n.unsigned_abs())
        }
        'x' | 'X' | 'o' => {
            let n = as_i64(value, conv)?;
            let digits = match conv {
                'x' => format!("{:x}", n.unsigned_abs()),
                'X' => format!("{:X}", n.unsigned_abs()),
                _ => format!("{:o}", n.unsigned_abs()),
            };
            let prefix = if flags.contains('#') {
                ["0", &conv.to_string()].concat()
            } else {
                String::new()
            };
            format!("{}{prefix}{digits}", sign(n < 0))
        }
        'f' | 'F' => {
            let f = as_f64(value, conv)?;
            format!(
                "{}{:.*}",
                sign(f.is_sign_negative()),
                precision.unwrap_or(6),
                f.abs()
            )
        }
        'e' | 'E' => {
            let f = as_f64(value, conv)?;
            let text = python_exp(f.abs(), precision.unwrap_or(6));
            let text = if conv == 'E' {
                text.to_uppercase()
            } else {
                text
            };
            format!("{}{text}", sign(f.is_sign_negative()))
        }
        'g' | 'G' => {
            let f = as_f64(value, conv)?;
            let text = MontyObject::Float(f.abs()).to_string();
            format!("{}{text}", sign(f.is_sign_negative()))
        }
        'c' => match value {
            MontyObject::Int(n) => u32::try_from(*n)
                .ok()
                .and_then(char::from_u32)
                .map(String::from)
                .unwrap_or_default(),
            MontyObject::String(s) if s.chars().count() == 1 => s.clone(),
            _ => return Err((ExcType::TypeError, "%c requires int or char".to_owned())),
        },
        other => {
            return Err((
                ExcType::ValueError,
                format!(
                    "unsupported format character '{other}' (0x{:x})",
                    u32::from(other)
                ),
            ));
        }
    })
}

fn python_exp(f: f64, precision: usize) -> String {
    let text = format!("{f:.precision$e}");
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let exp: i32 = exp.parse().unwrap_or(0);
            let sign = if exp < 0 { '-' } else { '+' };
            format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
        }
        None => text,
    }
}

fn truncate(text: String, precision: Option<usize>) -> String {
    match precision {
        Some(p) => text.chars().take(p).collect(),
        None => text,
    }
}

fn pad(out: &mut String, body: &str, width: Option<usize>, flags: &str, numeric: bool) {
    let len = body.chars().count();
    let fill = width.unwrap_or(0).saturating_sub(len);
    if flags.contains('-') {
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if flags.contains('0') && numeric {
        let (sign, digits) = match body.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (Some(c), &body[1..]),
            _ => (None, body),
        };
        out.extend(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(digits);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(body);
    }
}
