//! The `Condition` element: operators, typed values, and their evaluation
//! (docs/semantics.md#conditions-and-operators).
//!
//! A [`ConditionBlock`] is a list of [`Clause`]s, one per operator and key, all of which must
//! hold. Values are parsed by type when the policy is loaded (a bad IP or date is a load error),
//! and request values when the request is evaluated (a request value that does not parse makes
//! the clause false, for positive and negated operators alike).
//!
//! The rules, in short: several values of one key are ORed (NOR for negated operators); a missing
//! key makes positive operators false, negated operators and `…IfExists` true; `ForAllValues:` is
//! true on a missing or empty key, `ForAnyValue:` false; an operator without a qualifier never
//! matches a multi-valued key.

use std::fmt;
use std::net::IpAddr;
use std::sync::OnceLock;

use base64::Engine as _;
use ipnet::IpNet;
use regex::Regex;

use crate::matching::pattern::{Token, Wildcard, tokenize};
use crate::model::context::{Context, ContextValue};
use crate::model::variables::{Template, tokens_to_string};
use crate::syntax::json::Pos;

/// How an operator compares: the operator families of docs/semantics.md#conditions-and-operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `String…`: exact or `Like` (wildcards), optionally ignoring case.
    String {
        /// `…IgnoreCase`.
        ignore_case: bool,
        /// `…Like`: `*` and `?` are wildcards.
        like: bool,
    },
    /// `Numeric…`.
    Numeric(Comparison),
    /// `Date…`.
    Date(Comparison),
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    Binary,
    /// `IpAddress` / `NotIpAddress`.
    Ip,
    /// `Arn…`: per-field wildcard matching.
    Arn,
    /// `Null`: tests whether the key is present.
    Null,
}

/// The comparison of a numeric or date operator: request value `op` policy value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `…Equals` (and, negated, `…NotEquals`).
    Equal,
    /// `…LessThan`.
    Less,
    /// `…LessThanEquals`.
    LessOrEqual,
    /// `…GreaterThan`.
    Greater,
    /// `…GreaterThanEquals`.
    GreaterOrEqual,
}

impl Comparison {
    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Comparison::Equal => ordering == Equal,
            Comparison::Less => ordering == Less,
            Comparison::LessOrEqual => ordering != Greater,
            Comparison::Greater => ordering == Greater,
            Comparison::GreaterOrEqual => ordering != Less,
        }
    }
}

/// A base operator: its name, family, and whether it is negated (true when the request value
/// matches none of the policy values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BaseOperator {
    /// The name as AWS writes it.
    pub name: &'static str,
    /// How it compares.
    pub family: Family,
    /// `StringNotEquals`, `NotIpAddress`, …
    pub negated: bool,
}

const fn op(name: &'static str, family: Family, negated: bool) -> BaseOperator {
    BaseOperator {
        name,
        family,
        negated,
    }
}

const fn string(ignore_case: bool, like: bool) -> Family {
    Family::String { ignore_case, like }
}

/// Every base operator of IAM.
pub(crate) const OPERATORS: &[BaseOperator] = &[
    op("StringEquals", string(false, false), false),
    op("StringNotEquals", string(false, false), true),
    op("StringEqualsIgnoreCase", string(true, false), false),
    op("StringNotEqualsIgnoreCase", string(true, false), true),
    op("StringLike", string(false, true), false),
    op("StringNotLike", string(false, true), true),
    op("NumericEquals", Family::Numeric(Comparison::Equal), false),
    op("NumericNotEquals", Family::Numeric(Comparison::Equal), true),
    op("NumericLessThan", Family::Numeric(Comparison::Less), false),
    op(
        "NumericLessThanEquals",
        Family::Numeric(Comparison::LessOrEqual),
        false,
    ),
    op(
        "NumericGreaterThan",
        Family::Numeric(Comparison::Greater),
        false,
    ),
    op(
        "NumericGreaterThanEquals",
        Family::Numeric(Comparison::GreaterOrEqual),
        false,
    ),
    op("DateEquals", Family::Date(Comparison::Equal), false),
    op("DateNotEquals", Family::Date(Comparison::Equal), true),
    op("DateLessThan", Family::Date(Comparison::Less), false),
    op(
        "DateLessThanEquals",
        Family::Date(Comparison::LessOrEqual),
        false,
    ),
    op("DateGreaterThan", Family::Date(Comparison::Greater), false),
    op(
        "DateGreaterThanEquals",
        Family::Date(Comparison::GreaterOrEqual),
        false,
    ),
    op("Bool", Family::Bool, false),
    op("BinaryEquals", Family::Binary, false),
    op("IpAddress", Family::Ip, false),
    op("NotIpAddress", Family::Ip, true),
    op("ArnEquals", Family::Arn, false),
    op("ArnLike", Family::Arn, false),
    op("ArnNotEquals", Family::Arn, true),
    op("ArnNotLike", Family::Arn, true),
    op("Null", Family::Null, false),
];

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qualifier {
    /// Every request value must satisfy the operator (vacuously true for none).
    ForAllValues,
    /// Some request value must satisfy the operator.
    ForAnyValue,
}

/// A full operator: optional qualifier, base operator, optional `IfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operator {
    /// The set qualifier, if any.
    pub qualifier: Option<Qualifier>,
    /// The base operator.
    pub base: BaseOperator,
    /// The `IfExists` suffix.
    pub if_exists: bool,
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            Some(Qualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(Qualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.base.name)?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// Why an operator name was rejected, and the closest valid name.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperatorError {
    /// What kind of problem it is.
    pub kind: OperatorErrorKind,
    /// What is wrong.
    pub message: String,
    /// The closest valid operator, if any is close.
    pub suggestion: Option<String>,
}

/// What kind of problem an [`OperatorError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OperatorErrorKind {
    /// No such operator.
    Unknown,
    /// `Null` with `IfExists` or a set qualifier.
    NullWithQualifier,
}

impl Operator {
    /// Parses an operator name exactly as AWS spells it (names are case-sensitive here: another
    /// casing is rejected with the right spelling as the suggestion, never guessed).
    pub(crate) fn parse(name: &str) -> Result<Operator, OperatorError> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(Qualifier::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(Qualifier::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let Some(base) = OPERATORS.iter().find(|o| o.name == base_name).copied() else {
            return Err(OperatorError {
                kind: OperatorErrorKind::Unknown,
                message: format!("unknown condition operator `{name}`"),
                suggestion: suggest_operator(name),
            });
        };
        if base.family == Family::Null && if_exists {
            return Err(OperatorError {
                kind: OperatorErrorKind::NullWithQualifier,
                message: "`Null` cannot take `IfExists`: it already tests whether the key exists"
                    .into(),
                suggestion: Some("Null".into()),
            });
        }
        if base.family == Family::Null && qualifier.is_some() {
            return Err(OperatorError {
                kind: OperatorErrorKind::NullWithQualifier,
                message: format!("`{name}`: `Null` cannot take `ForAllValues:` or `ForAnyValue:`"),
                suggestion: Some("Null".into()),
            });
        }
        Ok(Operator {
            qualifier,
            base,
            if_exists,
        })
    }
}

fn suggest_operator(name: &str) -> Option<String> {
    let mut candidates = Vec::new();
    for base in OPERATORS {
        for prefix in ["", "ForAllValues:", "ForAnyValue:"] {
            for suffix in ["", "IfExists"] {
                if base.family == Family::Null && (!prefix.is_empty() || !suffix.is_empty()) {
                    continue;
                }
                candidates.push(format!("{prefix}{}{suffix}", base.name));
            }
        }
    }
    crate::matching::fuzzy::closest(name, candidates.iter().map(String::as_str)).map(str::to_string)
}

/// A string or ARN value from the policy, with its variables if the policy has them.
#[derive(Clone, Debug)]
pub struct TextValue {
    /// The value as written.
    pub text: String,
    template: Option<Template>,
    like: Option<Wildcard>,
}

impl TextValue {
    fn new(text: &str, variables: bool, like: bool) -> TextValue {
        let template = if variables {
            Template::parse(text)
        } else {
            None
        };
        let like = (like && template.is_none()).then(|| Wildcard::new(text));
        TextValue {
            text: text.to_string(),
            template,
            like,
        }
    }

    /// The value with its variables substituted; `None` when one has no value.
    fn resolve(&self, context: &Context) -> Option<Vec<Token>> {
        match &self.template {
            Some(t) => t.resolve(context),
            None => Some(tokenize(&self.text).collect()),
        }
    }

    /// The context keys its variables read.
    pub(crate) fn variable_keys(&self) -> impl Iterator<Item = &str> {
        self.template.iter().flat_map(|t| t.keys())
    }
}

/// The policy values of a clause, parsed by family.
#[derive(Clone, Debug)]
pub enum Values {
    /// String and ARN operators.
    Text(Vec<TextValue>),
    /// Numbers.
    Numbers(Vec<f64>),
    /// Instants, in nanoseconds since the Unix epoch.
    Dates(Vec<i128>),
    /// `true`/`false` (Bool and Null).
    Bools(Vec<bool>),
    /// Decoded bytes.
    Binary(Vec<Vec<u8>>),
    /// Networks.
    Networks(Vec<IpNet>),
}

/// Why a condition clause does not hold for a request: the typed fact an explanation renders.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConditionFailure {
    /// The key is absent, and the operator (without `IfExists`) needs it.
    Absent,
    /// `Null` expects the key present (`false`) but it is absent.
    NullExpectsPresent,
    /// `Null` expects the key absent (`true`) but it is present.
    NullExpectsAbsent,
    /// The key has several values and the operator has no set qualifier.
    MultiValued {
        /// The request values.
        values: Vec<String>,
    },
    /// The request value matches none of the policy values.
    NotMatched {
        /// The request value.
        value: String,
    },
    /// The request value matches a policy value, which the negated operator excludes.
    Excluded {
        /// The request value.
        value: String,
    },
    /// The request value does not parse for the operator's type.
    Unparseable {
        /// The request value.
        value: String,
        /// What it should have been.
        expected: ValueType,
    },
    /// `ForAllValues:`: this request value does not satisfy the operator.
    NotEveryValue(Box<ConditionFailure>),
    /// `ForAnyValue:`: no request value satisfies the operator.
    NoValueSatisfies {
        /// The request values.
        values: Vec<String>,
    },
}

/// The type a request value must have for an operator family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueType {
    /// `Numeric…`.
    Number,
    /// `Date…`.
    Date,
    /// `IpAddress`.
    IpAddress,
    /// `BinaryEquals`.
    Base64,
    /// `Bool`.
    Boolean,
}

impl ValueType {
    /// The type's name in prose.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Number => "number",
            ValueType::Date => "date",
            ValueType::IpAddress => "IP address",
            ValueType::Base64 => "base64 value",
            ValueType::Boolean => "boolean",
        }
    }
}

/// What an evaluation of a clause returns on failure: nothing on the decision path (no
/// allocation), the typed [`ConditionFailure`] when an explanation asks why. One evaluation
/// serves both: [`Clause::check`] is generic over it.
pub(crate) trait Why: Sized {
    /// Builds the failure; the closure runs only when the failure is wanted.
    fn because(failure: impl FnOnce() -> ConditionFailure) -> Self;
}

impl Why for () {
    fn because(_: impl FnOnce() -> ConditionFailure) {}
}

impl Why for ConditionFailure {
    fn because(failure: impl FnOnce() -> ConditionFailure) -> ConditionFailure {
        failure()
    }
}

/// One operator applied to one key.
#[derive(Clone, Debug)]
pub struct Clause {
    /// The operator.
    pub operator: Operator,
    /// The key as written.
    pub key: String,
    /// The values as written (for messages).
    pub written: Vec<String>,
    /// The values, parsed.
    pub values: Values,
    /// Where the key is.
    pub pos: Pos,
}

/// All clauses of a statement's `Condition`; they are ANDed.
#[derive(Clone, Debug, Default)]
pub struct ConditionBlock {
    /// The clauses in document order.
    pub clauses: Vec<Clause>,
}

impl ConditionBlock {}

/// Parses a policy value for `operator`'s family. `variables` is true under Version 2012-10-17.
/// The error says what was expected.
pub(crate) fn parse_values(
    operator: &Operator,
    written: &[String],
    variables: bool,
) -> Result<Values, (usize, String)> {
    let each = |parse: &dyn Fn(&str) -> Option<()>, what: &str| -> Result<(), (usize, String)> {
        for (i, w) in written.iter().enumerate() {
            if parse(w).is_none() {
                return Err((i, format!("`{w}` is not {what}, as `{operator}` requires")));
            }
        }
        Ok(())
    };
    Ok(match operator.base.family {
        Family::String { like, .. } => Values::Text(
            written
                .iter()
                .map(|w| TextValue::new(w, variables, like))
                .collect(),
        ),
        Family::Arn => Values::Text(
            written
                .iter()
                .map(|w| TextValue::new(w, variables, false))
                .collect(),
        ),
        Family::Numeric(_) => {
            each(&|w| parse_number(w).map(|_| ()), "a number")?;
            Values::Numbers(written.iter().filter_map(|w| parse_number(w)).collect())
        }
        Family::Date(_) => {
            each(
                &|w| parse_date(w).map(|_| ()),
                "a date (ISO 8601 such as 2026-11-28T10:00:00Z, or epoch seconds)",
            )?;
            Values::Dates(written.iter().filter_map(|w| parse_date(w)).collect())
        }
        Family::Bool | Family::Null => {
            each(&|w| parse_bool(w).map(|_| ()), "`true` or `false`")?;
            Values::Bools(written.iter().filter_map(|w| parse_bool(w)).collect())
        }
        Family::Binary => {
            each(&|w| parse_base64(w).map(|_| ()), "base64")?;
            Values::Binary(written.iter().filter_map(|w| parse_base64(w)).collect())
        }
        Family::Ip => {
            each(
                &|w| parse_network(w).map(|_| ()),
                "an IP address or CIDR range (203.0.113.0/24, 2001:db8::/32)",
            )?;
            Values::Networks(written.iter().filter_map(|w| parse_network(w)).collect())
        }
    })
}

/// A number as IAM compares them: `10` = `10.0` = `"10"`.
pub fn parse_number(text: &str) -> Option<f64> {
    static NUMBER: OnceLock<Option<Regex>> = OnceLock::new();
    let re = NUMBER
        .get_or_init(|| Regex::new(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$").ok())
        .as_ref()?;
    // A number too large for a double (`1e999`) is not a number IAM could compare: rejected,
    // never read as infinity (which every finite value is less than).
    re.is_match(text.trim())
        .then(|| text.trim().parse::<f64>().ok())
        .flatten()
        .filter(|n| n.is_finite())
}

/// `true` or `false`, any case.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn parse_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// An IP address or CIDR; a bare IPv4 address is a /32, a bare IPv6 address a /128.
pub(crate) fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Some(net.trunc());
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}

/// An instant in nanoseconds since the Unix epoch, from epoch seconds or a W3C ISO 8601 date
/// (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.s]]TZD`); no time zone means UTC.
pub fn parse_date(text: &str) -> Option<i128> {
    static DATE: OnceLock<Option<Regex>> = OnceLock::new();
    let text = text.trim();
    // Epoch seconds, except four digits, which are a year (`2026`) in the W3C profile.
    if text.len() != 4
        && let Ok(seconds) = text.parse::<i64>()
    {
        return Some(i128::from(seconds) * 1_000_000_000);
    }
    let re = DATE
        .get_or_init(|| {
            Regex::new(
                r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?)?)?)?$",
            )
            .ok()
        })
        .as_ref()?;
    let caps = re.captures(text)?;
    let number = |i: usize, default: i64| -> Option<i64> {
        caps.get(i)
            .map_or(Some(default), |m| m.as_str().parse().ok())
    };
    let fraction = caps.get(7).map_or(Some(0), |m| {
        format!("{:0<9}", m.as_str()).parse::<i32>().ok()
    })?;
    let offset_seconds = match caps.get(8).map(|m| m.as_str()) {
        None | Some("Z") | Some("z") => 0,
        Some(offset) => {
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let hours: i32 = offset.get(1..3)?.parse().ok()?;
            let minutes: i32 = offset.get(4..6)?.parse().ok()?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    // jiff validates the calendar (no 30 February); the instant is computed here because
    // jiff's Timestamp range stops short of 9999-12-31T23:59:59Z, a common "no end" value.
    let datetime = jiff::civil::DateTime::new(
        i16::try_from(number(1, 0)?).ok()?,
        i8::try_from(number(2, 1)?).ok()?,
        i8::try_from(number(3, 1)?).ok()?,
        i8::try_from(number(4, 0)?).ok()?,
        i8::try_from(number(5, 0)?).ok()?,
        i8::try_from(number(6, 0)?).ok()?,
        fraction,
    )
    .ok()?;
    let days = days_from_civil(
        i64::from(datetime.year()),
        i64::from(datetime.month()),
        i64::from(datetime.day()),
    );
    let seconds = days * 86_400
        + i64::from(datetime.hour()) * 3_600
        + i64::from(datetime.minute()) * 60
        + i64::from(datetime.second())
        - i64::from(offset_seconds);
    Some(i128::from(seconds) * 1_000_000_000 + i128::from(fraction))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Per-field ARN matching for the `Arn…` operators: both split into six fields on `:` (the sixth
/// keeps its colons) and each field is a wildcard match, so a `*` never crosses a field. A pattern
/// or request value with fewer than six fields matches nothing.
fn arn_like(pattern: &[Token], value: &str) -> bool {
    let mut fields: Vec<&[Token]> = Vec::with_capacity(6);
    let mut rest = pattern;
    while fields.len() < 5 {
        let Some(i) = rest.iter().position(|t| *t == Token::Char(':')) else {
            return false;
        };
        fields.push(rest.get(..i).unwrap_or(&[]));
        rest = rest.get(i + 1..).unwrap_or(&[]);
    }
    fields.push(rest);
    let values: Vec<&str> = value.splitn(6, ':').collect();
    values.len() == 6
        && fields
            .iter()
            .zip(&values)
            .all(|(f, v)| Wildcard::from_tokens(tokens_to_string(f), f).is_match(v))
}

/// The outcome of comparing one request value with the policy values.
enum Compared {
    /// Some policy value matches (in the positive sense of the operator).
    Matched,
    /// No policy value matches.
    NotMatched,
    /// The request value does not parse for this operator family.
    Unparseable,
}

impl Clause {
    /// Whether the clause holds for the request context.
    #[cfg(test)]
    pub(crate) fn holds(&self, context: &Context) -> bool {
        self.check::<()>(context).is_ok()
    }

    /// Evaluates the clause; on failure says why, as a typed fact.
    #[cfg(test)]
    pub(crate) fn evaluate(&self, context: &Context) -> Result<(), ConditionFailure> {
        self.check(context)
    }

    /// The one evaluation of a clause, generic over what a failure records (see [`Why`]).
    pub(crate) fn check<W: Why>(&self, context: &Context) -> Result<(), W> {
        let op = &self.operator;
        let value = context.get(&self.key);
        if op.base.family == Family::Null {
            let absent = value.is_none_or(ContextValue::is_empty);
            let Values::Bools(expected) = &self.values else {
                // The parser gives Null boolean values; anything else cannot hold.
                return Err(W::because(|| ConditionFailure::NullExpectsPresent));
            };
            if expected.contains(&absent) {
                return Ok(());
            }
            return Err(W::because(|| {
                if absent {
                    ConditionFailure::NullExpectsPresent
                } else {
                    ConditionFailure::NullExpectsAbsent
                }
            }));
        }
        match op.qualifier {
            None => match value {
                None if op.if_exists || op.base.negated => Ok(()),
                None => Err(W::because(|| ConditionFailure::Absent)),
                Some(ContextValue::Multi(values)) => {
                    Err(W::because(|| ConditionFailure::MultiValued {
                        values: values.clone(),
                    }))
                }
                Some(ContextValue::Single(v)) => self.single(v, context),
            },
            Some(Qualifier::ForAllValues) => {
                // A missing key, an empty list or an empty string: vacuously true.
                let values = value
                    .filter(|v| !v.is_empty())
                    .map_or(&[][..], ContextValue::values);
                for v in values {
                    self.single::<ConditionFailure>(v, context).map_err(|why| {
                        W::because(|| ConditionFailure::NotEveryValue(Box::new(why)))
                    })?;
                }
                Ok(())
            }
            Some(Qualifier::ForAnyValue) => {
                let Some(value) = value.filter(|v| !v.is_empty()) else {
                    return if op.if_exists {
                        Ok(())
                    } else {
                        Err(W::because(|| ConditionFailure::Absent))
                    };
                };
                if value
                    .values()
                    .iter()
                    .any(|v| self.single::<()>(v, context).is_ok())
                {
                    return Ok(());
                }
                Err(W::because(|| ConditionFailure::NoValueSatisfies {
                    values: value.values().to_vec(),
                }))
            }
        }
    }

    /// The base operator applied to one request value.
    fn single<W: Why>(&self, value: &str, context: &Context) -> Result<(), W> {
        let negated = self.operator.base.negated;
        match (self.compare(value, context), negated) {
            (Compared::Matched, false) | (Compared::NotMatched, true) => Ok(()),
            (Compared::NotMatched, false) => Err(W::because(|| ConditionFailure::NotMatched {
                value: value.to_string(),
            })),
            (Compared::Matched, true) => Err(W::because(|| ConditionFailure::Excluded {
                value: value.to_string(),
            })),
            (Compared::Unparseable, _) => Err(W::because(|| ConditionFailure::Unparseable {
                value: value.to_string(),
                expected: match self.operator.base.family {
                    Family::Numeric(_) => ValueType::Number,
                    Family::Date(_) => ValueType::Date,
                    Family::Ip => ValueType::IpAddress,
                    Family::Binary => ValueType::Base64,
                    _ => ValueType::Boolean,
                },
            })),
        }
    }

    fn compare(&self, value: &str, context: &Context) -> Compared {
        let matched = |m: bool| {
            if m {
                Compared::Matched
            } else {
                Compared::NotMatched
            }
        };
        match (&self.values, self.operator.base.family) {
            (Values::Text(policy), Family::String { ignore_case, like }) => {
                let value_folded = if ignore_case {
                    value.to_lowercase()
                } else {
                    String::new()
                };
                matched(policy.iter().any(|p| {
                    if let Some(w) = &p.like {
                        return w.is_match(value);
                    }
                    // A value without variables is its text: compared without resolving it.
                    if p.template.is_none() && !like && !ignore_case {
                        return p.text == value;
                    }
                    let Some(tokens) = p.resolve(context) else {
                        return false;
                    };
                    if like {
                        Wildcard::from_tokens(p.text.clone(), &tokens).is_match(value)
                    } else if ignore_case {
                        tokens_to_string(&tokens).to_lowercase() == value_folded
                    } else {
                        tokens_to_string(&tokens) == value
                    }
                }))
            }
            (Values::Text(policy), _) => matched(policy.iter().any(|p| {
                p.resolve(context)
                    .is_some_and(|tokens| arn_like(&tokens, value))
            })),
            (Values::Numbers(policy), Family::Numeric(cmp)) => match parse_number(value) {
                None => Compared::Unparseable,
                Some(v) => matched(
                    policy
                        .iter()
                        .any(|p| v.partial_cmp(p).is_some_and(|o| cmp.holds(o))),
                ),
            },
            (Values::Dates(policy), Family::Date(cmp)) => match parse_date(value) {
                None => Compared::Unparseable,
                Some(v) => matched(policy.iter().any(|p| cmp.holds(v.cmp(p)))),
            },
            (Values::Bools(policy), _) => match parse_bool(value) {
                None => Compared::Unparseable,
                Some(v) => matched(policy.contains(&v)),
            },
            (Values::Binary(policy), _) => match parse_base64(value) {
                None => Compared::Unparseable,
                Some(v) => matched(policy.contains(&v)),
            },
            (Values::Networks(policy), _) => match value.trim().parse::<IpAddr>() {
                Err(_) => Compared::Unparseable,
                Ok(ip) => matched(policy.iter().any(|net| net.contains(&ip))),
            },
            // The parser builds values of the operator's family; anything else cannot match.
            _ => Compared::Unparseable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(operator: &str, key: &str, values: &[&str]) -> Clause {
        let operator = Operator::parse(operator).unwrap();
        let written: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        let values = parse_values(&operator, &written, true).unwrap();
        Clause {
            operator,
            key: key.into(),
            written,
            values,
            pos: Pos::default(),
        }
    }

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        let mut ctx = Context::new();
        for (k, v) in pairs {
            ctx.push(k, v.to_string());
        }
        ctx
    }

    fn holds(operator: &str, key: &str, values: &[&str], pairs: &[(&str, &str)]) -> bool {
        clause(operator, key, values).holds(&ctx(pairs))
    }

    #[test]
    fn operator_names() {
        let op = Operator::parse("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(op.qualifier, Some(Qualifier::ForAnyValue));
        assert_eq!(op.base.name, "StringNotLike");
        assert!(op.if_exists && op.base.negated);
        assert_eq!(op.to_string(), "ForAnyValue:StringNotLikeIfExists");
        let e = Operator::parse("StringEqual").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("StringEquals"));
        assert_eq!(
            Operator::parse("stringequals")
                .unwrap_err()
                .suggestion
                .as_deref(),
            Some("StringEquals")
        );
        assert!(Operator::parse("NullIfExists").is_err());
        assert!(Operator::parse("ForAllValues:Null").is_err());
        assert_eq!(OPERATORS.len(), 27);
    }

    /// One case of the table: the clause (operator, key, values), the request's context pairs,
    /// and whether the clause holds.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        bool,
    );

    /// Clauses against contexts, grouped by the rule they show; a failure names the case.
    #[test]
    fn clauses_hold_or_not() {
        let tagged = [("k", "pay"), ("aws:PrincipalTag/team", "pay")];
        let tags = [("aws:TagKeys", "team"), ("aws:TagKeys", "env")];
        let key = "aws:PrincipalArn";
        let role = [(key, "arn:aws:iam::123456789012:role/ci/deploy")];
        #[rustfmt::skip]
        let cases: &[Case] = &[
            // A missing key: false for a positive operator, true when negated, `IfExists` or
            // `ForAllValues`; `Null` tests for it.
            ("StringEquals",                    "k", &["a"],     &[],           false),
            ("StringNotEquals",                 "k", &["a"],     &[],           true),
            ("StringEqualsIfExists",            "k", &["a"],     &[],           true),
            ("ForAllValues:StringEquals",       "k", &["a"],     &[],           true),
            ("ForAnyValue:StringEquals",        "k", &["a"],     &[],           false),
            ("ForAnyValue:StringEqualsIfExists", "k", &["a"],    &[],           true),
            ("Null",                            "k", &["true"],  &[],           true),
            ("Null",                            "k", &["false"], &[],           false),
            ("Null",                            "k", &["false"], &[("k", "v")], true),
            ("Null",                            "k", &["true"],  &[("k", "")],  true),

            // OR within the values, NOR when negated.
            ("StringEquals",           "k", &["a", "b"], &[("k", "b")],      true),
            ("StringNotEquals",        "k", &["a", "b"], &[("k", "b")],      false),
            ("StringNotEquals",        "k", &["a", "b"], &[("k", "c")],      true),
            ("StringEqualsIgnoreCase", "k", &["ABC"],    &[("K", "abc")],    true),
            ("StringEquals",           "k", &["ABC"],    &[("k", "abc")],    false),
            ("StringLike",             "k", &["team-*"], &[("k", "team-a")], true),
            ("StringEquals",           "k", &["team-*"], &[("k", "team-a")], false),

            // A value without variables is compared as written (its `*` and `?` are characters),
            // one with variables after they are substituted: the two paths of `StringEquals`.
            ("StringEquals",    "k", &["team-*"], &[("k", "team-*")], true),
            ("StringEquals",    "k", &["a?c"],    &[("k", "a?c")],    true),
            ("StringEquals",    "k", &["a?c"],    &[("k", "abc")],    false),
            ("StringEquals",    "k", &["abc"],    &[("k", "abcd")],   false),
            ("StringNotEquals", "k", &["abc"],    &[("k", "abcd")],   true),
            ("StringEquals",    "k", &["${aws:PrincipalTag/team}"], &tagged, true),
            ("StringEquals",    "k", &["${aws:PrincipalTag/team}"], &[("k", "${aws:PrincipalTag/team}")], false),
            ("StringEquals",    "k", &["x-${*}"], &[("k", "x-*")],    true),

            // Qualifiers on a multi-valued key.
            // No qualifier: the clause compares a single value.
            ("StringEquals",                 "aws:TagKeys", &["team", "env"],      &tags, false),
            ("StringNotEquals",              "aws:TagKeys", &["x"],                &tags, false),
            ("ForAllValues:StringEquals",    "aws:TagKeys", &["team", "env", "x"], &tags, true),
            ("ForAllValues:StringEquals",    "aws:TagKeys", &["team"],             &tags, false),
            ("ForAnyValue:StringEquals",     "aws:TagKeys", &["env"],              &tags, true),
            ("ForAnyValue:StringNotEquals",  "aws:TagKeys", &["team"],             &tags, true),
            ("ForAllValues:StringNotEquals", "aws:TagKeys", &["team"],             &tags, false),
            ("ForAllValues:StringNotEquals", "aws:TagKeys", &["x", "y"],           &tags, true),
            // A single value is a one-element set.
            ("ForAnyValue:StringEquals",     "k",           &["a"],                &[("k", "a")], true),

            // Numbers, dates, booleans, IP addresses and binary values.
            ("NumericEquals",         "n",  &["10"],   &[("n", "10.0")], true),
            ("NumericLessThan",       "n",  &["3600"], &[("n", "60")],   true),
            ("NumericLessThan",       "n",  &["3600"], &[("n", "3600")], false),
            ("NumericLessThanEquals", "n",  &["3600"], &[("n", "3600")], true),
            // Unparseable is false even when negated.
            ("NumericNotEquals",      "n",  &["1"],    &[("n", "abc")],  false),
            ("DateGreaterThan",       "d",  &["2026-01-01T00:00:00Z"],      &[("d", "2026-11-28T10:00:00Z")], true),
            ("DateEquals",            "d",  &["2026-11-28T12:00:00+02:00"], &[("d", "2026-11-28T10:00:00Z")], true),
            ("DateEquals",            "d",  &["1764324000"],                &[("d", "2025-11-28T10:00:00Z")], true),
            ("DateLessThan",          "d",  &["2026"],                      &[("d", "2025-12-31T23:59:59Z")], true),
            ("Bool",                  "b",  &["true"], &[("b", "TRUE")],  true),
            ("Bool",                  "b",  &["true"], &[("b", "false")], false),
            ("IpAddress",             "ip", &["10.0.0.0/8"],    &[("ip", "10.1.2.3")],    true),
            ("IpAddress",             "ip", &["10.0.0.0/8"],    &[("ip", "192.168.1.1")], false),
            ("IpAddress",             "ip", &["203.0.113.7"],   &[("ip", "203.0.113.7")], true),
            ("IpAddress",             "ip", &["2001:db8::/32"], &[("ip", "10.1.2.3")],    false),
            ("IpAddress",             "ip", &["2001:DB8::/32"], &[("ip", "2001:db8::1")], true),
            ("NotIpAddress",          "ip", &["10.0.0.0/8"],    &[("ip", "192.168.1.1")], true),
            ("BinaryEquals",          "b",  &["QmluYXJ5"], &[("b", "QmluYXJ5")], true),

            // ARN operators match field by field.
            ("ArnLike",    key, &["arn:aws:iam::123456789012:role/ci/*"],   &role, true),
            ("ArnEquals",  key, &["arn:aws:iam::*:role/ci/deploy"],         &role, true),
            ("ArnLike",    key, &["arn:aws:iam::*"], &[(key, "not-an-arn")],       false),
            // A region star does not swallow the account field.
            ("ArnLike",    key, &["arn:aws:iam:*:role/ci/deploy"],          &role, false),
            ("ArnNotLike", key, &["arn:aws:iam::123456789012:role/admin"],  &role, true),
        ];
        for &(operator, key, values, pairs, expected) in cases {
            assert_eq!(
                holds(operator, key, values, pairs),
                expected,
                "{operator} {key} {values:?} against the context {pairs:?}"
            );
        }
    }

    #[test]
    fn variables_in_conditions() {
        let c = clause(
            "StringEquals",
            "ecr:ResourceTag/owner",
            &["${aws:username}"],
        );
        assert!(c.holds(&ctx(&[
            ("ecr:ResourceTag/owner", "alice"),
            ("aws:username", "alice")
        ])));
        assert!(!c.holds(&ctx(&[
            ("ecr:ResourceTag/owner", "alice"),
            ("aws:username", "bob")
        ])));
        assert!(
            !c.holds(&ctx(&[("ecr:ResourceTag/owner", "alice")])),
            "unresolved: positive is false"
        );
        let n = clause(
            "StringNotEquals",
            "ecr:ResourceTag/owner",
            &["${aws:username}"],
        );
        assert!(
            n.holds(&ctx(&[("ecr:ResourceTag/owner", "alice")])),
            "unresolved: negated is true"
        );
        let like = clause("StringLike", "k", &["${aws:username}-*"]);
        assert!(like.holds(&ctx(&[("k", "a*-x"), ("aws:username", "a*")])));
        assert!(
            !like.holds(&ctx(&[("k", "ab-x"), ("aws:username", "a*")])),
            "substituted star is literal"
        );
    }

    #[test]
    fn values_are_validated_by_family() {
        let bad = |operator: &str, value: &str| {
            parse_values(
                &Operator::parse(operator).unwrap(),
                &[value.to_string()],
                true,
            )
            .unwrap_err()
            .1
        };
        assert!(bad("IpAddress", "10.0.0.300/8").contains("not an IP address"));
        assert!(bad("DateLessThan", "yesterday").contains("not a date"));
        assert!(bad("NumericEquals", "ten").contains("not a number"));
        assert!(
            bad("NumericLessThan", "22e22557").contains("not a number"),
            "no infinity"
        );
        assert!(bad("Bool", "yes").contains("`true` or `false`"));
        assert!(bad("BinaryEquals", "!!").contains("base64"));
        assert!(parse_date("2026-02-30").is_none());
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_date("2026-11-28T10:00:00Z"),
            Some(1_795_860_000 * 1_000_000_000)
        );
        assert_eq!(
            parse_date("2000-02-29T12:00:00+02:00"),
            Some(951_818_400 * 1_000_000_000)
        );
        assert_eq!(parse_date("1969-12-31T23:59:59.5Z"), Some(-500_000_000));
        assert!(
            parse_date("9999-12-31T23:59:59Z").is_some(),
            "past jiff's Timestamp range"
        );
        assert!(parse_date("2026-11-28T10:00:00.5+02:00").is_some());
    }

    #[test]
    fn failures_are_typed_with_the_request_value() {
        let c = clause("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]);
        assert_eq!(
            c.evaluate(&ctx(&[("aws:SourceIp", "192.168.1.1")])),
            Err(ConditionFailure::NotMatched {
                value: "192.168.1.1".into()
            })
        );
        assert_eq!(
            c.evaluate(&ctx(&[("aws:SourceIp", "nope")])),
            Err(ConditionFailure::Unparseable {
                value: "nope".into(),
                expected: ValueType::IpAddress
            })
        );
        assert_eq!(c.evaluate(&Context::new()), Err(ConditionFailure::Absent));
        let all = clause("ForAllValues:StringEquals", "aws:TagKeys", &["a"]);
        let mut multi = Context::new();
        multi.push("aws:TagKeys", "a".into());
        multi.push("aws:TagKeys", "b".into());
        assert_eq!(
            all.evaluate(&multi),
            Err(ConditionFailure::NotEveryValue(Box::new(
                ConditionFailure::NotMatched { value: "b".into() }
            )))
        );
        // The decision path and the explanation agree.
        assert!(all.check::<()>(&multi).is_err());
    }
}
