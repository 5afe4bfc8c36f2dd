//! Prometheus' text format read back: what the dashboard's history (`traffic.rs`) takes its
//! numbers from, so that they are the numbers `/metrics` shows, and what the tests check
//! `/metrics` with.
//!
//! Strict: a line that is not a comment, a blank or a well-formed sample is an error naming
//! it, never skipped. (`prometheus-parse` was tried for the tests and silently drops every
//! sample whose label value holds a `}`, as every route template with a parameter does.)

use std::collections::BTreeMap;

/// One sample line: `name{label="value",...} value [timestamp]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }
}

/// A line that does not parse, with its number (from 1) and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}: {text:?}")]
pub struct ParseError {
    pub line: usize,
    pub problem: &'static str,
    pub text: String,
}

/// Every sample of `text`, in order.
pub fn parse(text: &str) -> Result<Vec<Sample>, ParseError> {
    let mut samples = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let error = |problem| ParseError {
            line: index + 1,
            problem,
            text: line.to_owned(),
        };
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            check_comment(comment).map_err(error)?;
            continue;
        }
        samples.push(sample(line).map_err(error)?);
    }
    Ok(samples)
}

const TYPES: [&str; 5] = ["counter", "gauge", "histogram", "summary", "untyped"];

fn check_comment(comment: &str) -> Result<(), &'static str> {
    let mut words = comment.split_whitespace();
    match words.next() {
        Some("TYPE") => {
            let name = words.next().ok_or("a TYPE without a name")?;
            if !is_metric_name(name) {
                return Err("a TYPE of an invalid name");
            }
            match words.next() {
                Some(kind) if TYPES.contains(&kind) && words.next().is_none() => Ok(()),
                _ => Err("a TYPE that is not one of the five"),
            }
        }
        Some("HELP") => match words.next() {
            Some(name) if is_metric_name(name) => Ok(()),
            _ => Err("a HELP without a valid name"),
        },
        _ => Ok(()),
    }
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    is_metric_name(name) && !name.contains(':')
}

fn sample(line: &str) -> Result<Sample, &'static str> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .ok_or("a sample without a value")?;
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err("an invalid metric name");
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after_brace) = rest.strip_prefix('{') {
        rest = parse_labels(after_brace, &mut labels)?;
    }
    let mut fields = rest.split_whitespace();
    let value = fields.next().ok_or("a sample without a value")?;
    let value = parse_value(value).ok_or("a value that is not a number")?;
    if let Some(timestamp) = fields.next()
        && timestamp.parse::<i64>().is_err()
    {
        return Err("a timestamp that is not whole milliseconds");
    }
    if fields.next().is_some() {
        return Err("text after the timestamp");
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Reads `name="value",...}` into `labels`; returns what follows the closing brace.
fn parse_labels<'a>(
    mut rest: &'a str,
    labels: &mut BTreeMap<String, String>,
) -> Result<&'a str, &'static str> {
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok(after);
        }
        let (name, after_name) = rest.split_once('=').ok_or("a label without a value")?;
        let name = name.trim();
        if !is_label_name(name) {
            return Err("an invalid label name");
        }
        let mut chars = after_name
            .trim_start()
            .strip_prefix('"')
            .ok_or("a label value without quotes")?
            .char_indices();
        let mut value = String::new();
        let end = loop {
            match chars
                .next()
                .ok_or("a label value without its closing quote")?
            {
                (index, '"') => break index,
                (_, '\\') => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, escaped @ ('\\' | '"'))) => value.push(escaped),
                    _ => return Err("an invalid escape in a label value"),
                },
                (_, c) => value.push(c),
            }
        };
        if labels.insert(name.to_owned(), value).is_some() {
            return Err("a label given twice");
        }
        let quoted = after_name.trim_start();
        rest = quoted[1 + end + 1..].trim_start();
        if let Some(after_comma) = rest.strip_prefix(',') {
            rest = after_comma;
        } else if !rest.starts_with('}') {
            return Err("labels not separated by commas");
        }
    }
}

fn parse_value(value: &str) -> Option<f64> {
    match value {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        other => other.parse().ok(),
    }
}

/// The `le` bound of a histogram bucket as a number (`+Inf` included).
pub fn bucket_bound(sample: &Sample) -> Option<f64> {
    sample.label("le").and_then(parse_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_labels_with_braces_commas_and_escapes() {
        let text = "# HELP requests Requests.\n# TYPE requests counter\n\
            requests{route=\"/contacts/{id}\",note=\"a, b=c \\\"q\\\" \\\\ \\n\"} 3\n\
            up 1 1700000000000\n\nbucket{le=\"+Inf\",} 7\n";
        let samples = parse(text).unwrap();
        assert_eq!(samples.len(), 3);
        assert_eq!(samples[0].label("route"), Some("/contacts/{id}"));
        assert_eq!(samples[0].label("note"), Some("a, b=c \"q\" \\ \n"));
        assert_eq!(samples[0].value, 3.0);
        assert_eq!(samples[1].name, "up");
        assert!(samples[1].labels.is_empty());
        assert_eq!(bucket_bound(&samples[2]), Some(f64::INFINITY));
    }

    #[test]
    fn refuses_what_is_not_the_format() {
        for (text, problem) in [
            (
                "requests{route=\"/a 3",
                "a label value without its closing quote",
            ),
            ("requests{route=\"/a\" 3", "labels not separated by commas"),
            ("requests{route=/a} 3", "a label value without quotes"),
            (
                "requests{a=\"1\" b=\"2\"} 3",
                "labels not separated by commas",
            ),
            ("requests{a=\"1\",a=\"2\"} 3", "a label given twice"),
            ("requests three", "a value that is not a number"),
            ("requests", "a sample without a value"),
            ("9requests 1", "an invalid metric name"),
            ("requests 1 2 3", "text after the timestamp"),
            (
                "# TYPE requests countr",
                "a TYPE that is not one of the five",
            ),
        ] {
            let error = parse(text).unwrap_err();
            assert_eq!((error.line, error.problem), (1, problem), "{text}");
        }
    }
}
