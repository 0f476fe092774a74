//! A subset of the Taegis Common Query Language (CQL), parsed into a typed AST and evaluated
//! over JSON records. Parse errors are typed ([`ParseError`]: a character position and a
//! message); nothing here panics on input.
//!
//! The subset:
//!
//! ```text
//! query      := FROM <type> [, <type>]* clause* [| head N | tail N]*
//! clause     := WHERE <expr> | EARLIEST=<time> | LATEST=<time>     (any order)
//! expr       := or;   or := and (OR and)*;   and := not (AND not)*
//! not        := NOT not | '(' expr ')' | predicate
//! predicate  := <path> (= | != | > | >= | < | <=) <literal>
//!             | <path> [NOT] IN ( <literal> [, <literal>]* )
//!             | <path> [NOT] CONTAINS <literal>
//!             | <path> [NOT] MATCHES_REGEX <literal>
//! literal    := number | 'string' | "string" | true | false | null
//! time       := -<n>(s|m|h|d|w) | RFC 3339 (quoted or not) | epoch seconds or milliseconds
//! ```
//!
//! Keywords (`FROM`, `WHERE`, `AND`, `OR`, `NOT`, `IN`, `CONTAINS`, `MATCHES_REGEX`,
//! `EARLIEST`, `LATEST`, `head`, `tail`, `true`, `false`, `null`) are case-insensitive. A
//! field path is dotted (`metadata.title`, `entities`); a filter without `FROM` (the shape
//! investigations take, `status = 'OPEN'`) is read by [`parse_filter`].
//!
//! Evaluation ([`Expr::matches`]): a path is looked up key by key (an exact key first, else
//! one differing only in case); an array on the way matches when any element does. Strings
//! compare case-insensitively; a number compares with a number or a numeric string; `!=`,
//! `NOT IN`, `NOT CONTAINS` are the negation of their positive form (so a missing field is
//! `!=` anything). `CONTAINS` is a case-insensitive substring test on strings (on arrays: any
//! element). `MATCHES_REGEX` supports `.` `*` `+` `?` `^` `$`, character classes `[a-z]`
//! `[^...]` and escapes `\d` `\w` `\s` `\.` (groups, `|` and `{n}` are parse errors); the
//! search is unanchored unless `^`/`$` say otherwise, and case-insensitive.
//!
//! Strings: a doubled quote or `\<quote>` is the quote, `\\` a backslash; any other `\x` is
//! kept as written (so `'\d+'` is the regular expression `\d+`).

use serde_json::Value;
use std::fmt;

/// A parse failure: where (0-based character position in the text) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 0-based character position of the offending token (the text's length at its end).
    pub position: usize,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CQL syntax error at position {}: {}",
            self.position, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// A whole query: `FROM ... WHERE ... EARLIEST=... LATEST=... | head N`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The record types after `FROM`, lower case (`alert`).
    pub from: Vec<String>,
    /// The `WHERE` expression, if any.
    pub filter: Option<Expr>,
    /// `EARLIEST=`, if given.
    pub earliest: Option<TimeBound>,
    /// `LATEST=`, if given.
    pub latest: Option<TimeBound>,
    /// The `| head N` / `| tail N` stages, in order.
    pub pipes: Vec<Pipe>,
}

impl Query {
    /// Whether `record` passes the `WHERE` expression (true without one).
    pub fn matches(&self, record: &Value) -> bool {
        self.filter.as_ref().is_none_or(|e| e.matches(record))
    }

    /// Whether a record at `time_ms` lies in the `EARLIEST`/`LATEST` window (both inclusive),
    /// relative times counted back from `now_ms`.
    pub fn in_window(&self, time_ms: i64, now_ms: i64) -> bool {
        self.earliest.is_none_or(|b| time_ms >= b.resolve(now_ms))
            && self.latest.is_none_or(|b| time_ms <= b.resolve(now_ms))
    }

    /// Applies the `head`/`tail` stages, in order, to `items`.
    pub fn apply_pipes<T>(&self, mut items: Vec<T>) -> Vec<T> {
        for pipe in &self.pipes {
            match *pipe {
                Pipe::Head(n) => items.truncate(usize::try_from(n).unwrap_or(usize::MAX)),
                Pipe::Tail(n) => {
                    let keep = usize::try_from(n).unwrap_or(usize::MAX);
                    let skip = items.len().saturating_sub(keep);
                    items.drain(..skip);
                }
            }
        }
        items
    }
}

/// A stage after `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pipe {
    /// `head N`: the first N records.
    Head(u64),
    /// `tail N`: the last N records.
    Tail(u64),
}

/// An `EARLIEST`/`LATEST` time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    /// `-1d`: this many milliseconds before now (negative or zero).
    Relative(i64),
    /// An absolute time, milliseconds since the epoch.
    Absolute(i64),
}

impl TimeBound {
    /// The bound in milliseconds since the epoch, relative times counted from `now_ms`.
    pub fn resolve(self, now_ms: i64) -> i64 {
        match self {
            TimeBound::Relative(offset) => now_ms.saturating_add(offset),
            TimeBound::Absolute(ms) => ms,
        }
    }
}

/// A dotted field path (`metadata.title`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath(pub Vec<String>);

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// A constant on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A number.
    Number(f64),
    /// A quoted string.
    String(String),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

/// A boolean expression over a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Both hold.
    And(Box<Expr>, Box<Expr>),
    /// Either holds.
    Or(Box<Expr>, Box<Expr>),
    /// Does not hold.
    Not(Box<Expr>),
    /// `path op literal`.
    Compare {
        /// The field.
        field: FieldPath,
        /// The operator.
        op: CompareOp,
        /// The constant.
        value: Literal,
    },
    /// `path IN (a, b)`.
    In {
        /// The field.
        field: FieldPath,
        /// The constants.
        values: Vec<Literal>,
    },
    /// `path CONTAINS 'text'`.
    Contains {
        /// The field.
        field: FieldPath,
        /// The constant looked for.
        value: Literal,
    },
    /// `path MATCHES_REGEX 'pattern'`.
    Regex {
        /// The field.
        field: FieldPath,
        /// The pattern as written.
        pattern: String,
    },
}

/// Parses a whole query (`FROM ...`).
pub fn parse_query(text: &str) -> Result<Query, ParseError> {
    let mut p = Parser::new(text)?;
    p.query()
}

/// Parses a bare filter expression (`status = 'OPEN' AND priority > 2`); empty or blank text
/// is no filter. A leading `WHERE` is allowed.
pub fn parse_filter(text: &str) -> Result<Option<Expr>, ParseError> {
    let mut p = Parser::new(text)?;
    if p.at_end() {
        return Ok(None);
    }
    p.eat_keyword("WHERE");
    let expr = p.expr()?;
    p.expect_end()?;
    Ok(Some(expr))
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A name or keyword: letters, digits, `_`, `.`, `@`, starting with a letter, `_` or `@`.
    Word(String),
    /// A run starting with a digit or `-`: a number, a relative time or an RFC 3339 time.
    Bare(String),
    /// A quoted string.
    Str(String),
    Op(CompareOp),
    LParen,
    RParen,
    Comma,
    Pipe,
}

struct Token {
    tok: Tok,
    pos: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |pos: usize, message: String| ParseError {
        position: pos,
        message,
    };
    while i < chars.len() {
        let c = chars[i];
        let pos = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '|' => {
                i += 1;
                Tok::Pipe
            }
            '=' => {
                i += if chars.get(i + 1) == Some(&'=') { 2 } else { 1 };
                Tok::Op(CompareOp::Eq)
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                i += 2;
                Tok::Op(CompareOp::Ne)
            }
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                if c == '<' && chars.get(i + 1) == Some(&'>') {
                    i += 2;
                    Tok::Op(CompareOp::Ne)
                } else {
                    i += if eq { 2 } else { 1 };
                    Tok::Op(match (c, eq) {
                        ('<', false) => CompareOp::Lt,
                        ('<', true) => CompareOp::Le,
                        ('>', false) => CompareOp::Gt,
                        _ => CompareOp::Ge,
                    })
                }
            }
            '\'' | '"' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(pos, "unterminated string".into())),
                        Some('\\') => {
                            match chars.get(i + 1) {
                                // `\<quote>` and `\\` escape; any other `\x` stays as written
                                // (regular expressions keep their `\d`).
                                Some(&n) => {
                                    if n != quote && n != '\\' {
                                        s.push('\\');
                                    }
                                    s.push(n)
                                }
                                None => return Err(err(pos, "unterminated string".into())),
                            }
                            i += 2;
                        }
                        Some(&q) if q == quote => {
                            // A doubled quote is one quote character.
                            if chars.get(i + 1) == Some(&quote) {
                                s.push(quote);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(&other) => {
                            s.push(other);
                            i += 1;
                        }
                    }
                }
                Tok::Str(s)
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], '.' | ':' | '-' | '+' | '_'))
                {
                    i += 1;
                }
                Tok::Bare(chars[start..i].iter().collect())
            }
            c if c.is_alphabetic() || c == '_' || c == '@' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '@'))
                {
                    i += 1;
                }
                Tok::Word(chars[start..i].iter().collect())
            }
            other => return Err(err(pos, format!("unexpected character `{other}`"))),
        };
        out.push(Token { tok, pos });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser {
    toks: Vec<Token>,
    at: usize,
    end: usize,
}

const RESERVED: &[&str] = &[
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "CONTAINS",
    "MATCHES_REGEX",
    "EARLIEST",
    "LATEST",
];

impl Parser {
    fn new(text: &str) -> Result<Parser, ParseError> {
        Ok(Parser {
            toks: lex(text)?,
            at: 0,
            end: text.chars().count(),
        })
    }

    fn at_end(&self) -> bool {
        self.at >= self.toks.len()
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.end, |t| t.pos)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            position: self.pos(),
            message: message.into(),
        })
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "the end of the query".into(),
            Some(Tok::Word(w)) | Some(Tok::Bare(w)) => format!("`{w}`"),
            Some(Tok::Str(s)) => format!("'{s}'"),
            Some(Tok::Op(op)) => format!("`{}`", op_text(*op)),
            Some(Tok::LParen) => "`(`".into(),
            Some(Tok::RParen) => "`)`".into(),
            Some(Tok::Comma) => "`,`".into(),
            Some(Tok::Pipe) => "`|`".into(),
        }
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let yes = self.is_keyword(kw);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let yes = self.peek() == Some(tok);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn expect_end(&self) -> Result<(), ParseError> {
        if self.at_end() {
            Ok(())
        } else {
            self.error(format!("unexpected {}", self.describe()))
        }
    }

    fn query(&mut self) -> Result<Query, ParseError> {
        if !self.eat_keyword("FROM") {
            return self.error(format!("expected FROM, found {}", self.describe()));
        }
        let mut from = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Word(w)) if !is_reserved(w) => {
                    from.push(w.to_ascii_lowercase());
                    self.at += 1;
                }
                _ => {
                    return self.error(format!(
                        "expected a record type after FROM, found {}",
                        self.describe()
                    ))
                }
            }
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        let mut query = Query {
            from,
            filter: None,
            earliest: None,
            latest: None,
            pipes: Vec::new(),
        };
        loop {
            if self.is_keyword("WHERE") {
                if query.filter.is_some() {
                    return self.error("WHERE given twice");
                }
                self.at += 1;
                query.filter = Some(self.expr()?);
            } else if self.is_keyword("EARLIEST") || self.is_keyword("LATEST") {
                let earliest = self.is_keyword("EARLIEST");
                let slot = if earliest {
                    &query.earliest
                } else {
                    &query.latest
                };
                if slot.is_some() {
                    return self.error(format!(
                        "{} given twice",
                        if earliest { "EARLIEST" } else { "LATEST" }
                    ));
                }
                self.at += 1;
                if !self.eat(&Tok::Op(CompareOp::Eq)) {
                    return self.error(format!("expected `=`, found {}", self.describe()));
                }
                let bound = self.time()?;
                if earliest {
                    query.earliest = Some(bound);
                } else {
                    query.latest = Some(bound);
                }
            } else {
                break;
            }
        }
        while self.eat(&Tok::Pipe) {
            let head = self.is_keyword("head");
            if !head && !self.is_keyword("tail") {
                return self.error(format!(
                    "expected `head` or `tail` after `|`, found {}",
                    self.describe()
                ));
            }
            self.at += 1;
            let n = match self.peek() {
                Some(Tok::Bare(b)) => b.parse::<u64>().ok(),
                _ => None,
            };
            let Some(n) = n else {
                return self.error(format!("expected a count, found {}", self.describe()));
            };
            self.at += 1;
            query
                .pipes
                .push(if head { Pipe::Head(n) } else { Pipe::Tail(n) });
        }
        self.expect_end()?;
        Ok(query)
    }

    fn time(&mut self) -> Result<TimeBound, ParseError> {
        let text = match self.peek() {
            Some(Tok::Bare(b)) | Some(Tok::Str(b)) => b.clone(),
            _ => return self.error(format!("expected a time, found {}", self.describe())),
        };
        match parse_time(&text) {
            Some(bound) => {
                self.at += 1;
                Ok(bound)
            }
            None => self.error(format!(
                "`{text}` is not a time (use -1d, -2h, -30m, RFC 3339 or epoch seconds)"
            )),
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while self.eat_keyword("OR") {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.not()?;
        while self.eat_keyword("AND") {
            let right = self.not()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        if self.eat_keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        if self.eat(&Tok::LParen) {
            let inner = self.expr()?;
            if !self.eat(&Tok::RParen) {
                return self.error(format!("expected `)`, found {}", self.describe()));
            }
            return Ok(inner);
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, ParseError> {
        let field = match self.peek() {
            Some(Tok::Word(w)) if !is_reserved(w) => {
                if w.starts_with('.') || w.ends_with('.') || w.contains("..") {
                    return self.error(format!("`{w}` is not a field path"));
                }
                FieldPath(w.split('.').map(str::to_owned).collect())
            }
            _ => return self.error(format!("expected a field name, found {}", self.describe())),
        };
        self.at += 1;
        if let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            self.at += 1;
            let value = self.literal()?;
            return Ok(Expr::Compare { field, op, value });
        }
        let negated = self.eat_keyword("NOT");
        let expr = if self.eat_keyword("IN") {
            if !self.eat(&Tok::LParen) {
                return self.error(format!("expected `(` after IN, found {}", self.describe()));
            }
            let mut values = vec![self.literal()?];
            while self.eat(&Tok::Comma) {
                values.push(self.literal()?);
            }
            if !self.eat(&Tok::RParen) {
                return self.error(format!("expected `,` or `)`, found {}", self.describe()));
            }
            Expr::In { field, values }
        } else if self.eat_keyword("CONTAINS") {
            let value = self.literal()?;
            Expr::Contains { field, value }
        } else if self.is_keyword("MATCHES_REGEX") {
            self.at += 1;
            let pos = self.pos();
            let pattern = match self.literal()? {
                Literal::String(s) => s,
                _ => {
                    return Err(ParseError {
                        position: pos,
                        message: "MATCHES_REGEX takes a quoted pattern".into(),
                    })
                }
            };
            if let Err(message) = Regex::new(&pattern) {
                return Err(ParseError {
                    position: pos,
                    message,
                });
            }
            Expr::Regex { field, pattern }
        } else {
            return self.error(format!(
                "expected an operator (= != > >= < <= IN CONTAINS MATCHES_REGEX) after `{field}`, found {}",
                self.describe()
            ));
        };
        Ok(if negated {
            Expr::Not(Box::new(expr))
        } else {
            expr
        })
    }

    fn literal(&mut self) -> Result<Literal, ParseError> {
        let lit = match self.peek() {
            Some(Tok::Str(s)) => Literal::String(s.clone()),
            Some(Tok::Bare(b)) => match b.parse::<f64>() {
                Ok(n) if n.is_finite() => Literal::Number(n),
                _ => return self.error(format!("`{b}` is not a number")),
            },
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Literal::Null,
            Some(Tok::Word(w)) => {
                return self.error(format!(
                    "expected a value, found `{w}` (quote strings: '{w}')"
                ))
            }
            _ => return self.error(format!("expected a value, found {}", self.describe())),
        };
        self.at += 1;
        Ok(lit)
    }
}

fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|k| k.eq_ignore_ascii_case(word))
}

fn op_text(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "!=",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
    }
}

/// `-1d`, `-2h`, `-30m`, `-10s`, `-1w` (also `now`), RFC 3339, or epoch seconds (milliseconds
/// when above 10^11).
fn parse_time(text: &str) -> Option<TimeBound> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("now") {
        return Some(TimeBound::Relative(0));
    }
    if let Some(rest) = t.strip_prefix('-') {
        let unit = rest.chars().last()?;
        let n: i64 = rest.get(..rest.len() - unit.len_utf8())?.parse().ok()?;
        let unit_ms: i64 = match unit.to_ascii_lowercase() {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 604_800_000,
            _ => return None,
        };
        return Some(TimeBound::Relative(-(n.checked_mul(unit_ms)?)));
    }
    if let Ok(epoch) = t.parse::<i64>() {
        return Some(TimeBound::Absolute(if epoch.abs() > 100_000_000_000 {
            epoch
        } else {
            epoch.checked_mul(1000)?
        }));
    }
    if t.len() >= 10 && t.as_bytes().get(4) == Some(&b'-') {
        return crate::util::parse_time(t).map(TimeBound::Absolute);
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Evaluation

impl Expr {
    /// Whether `record` satisfies the expression (see the module doc for the rules).
    pub fn matches(&self, record: &Value) -> bool {
        match self {
            Expr::And(a, b) => a.matches(record) && b.matches(record),
            Expr::Or(a, b) => a.matches(record) || b.matches(record),
            Expr::Not(e) => !e.matches(record),
            Expr::Compare {
                field,
                op: CompareOp::Ne,
                value,
            } => !any_leaf(record, &field.0, &mut |v| compare(v, CompareOp::Eq, value)),
            Expr::Compare { field, op, value } => {
                any_leaf(record, &field.0, &mut |v| compare(v, *op, value))
            }
            Expr::In { field, values } => any_leaf(record, &field.0, &mut |v| {
                values.iter().any(|l| compare(v, CompareOp::Eq, l))
            }),
            Expr::Contains { field, value } => {
                let needle = match value {
                    Literal::String(s) => s.to_lowercase(),
                    Literal::Number(n) => number_text(*n),
                    Literal::Bool(b) => b.to_string(),
                    Literal::Null => return false,
                };
                any_leaf(record, &field.0, &mut |v| {
                    scalar_text(v).is_some_and(|t| t.to_lowercase().contains(&needle))
                })
            }
            Expr::Regex { field, pattern } => match Regex::new(pattern) {
                Ok(re) => any_leaf(record, &field.0, &mut |v| {
                    scalar_text(v).is_some_and(|t| re.is_match(&t))
                }),
                Err(_) => false,
            },
        }
    }
}

/// The value of `key` in `object`: the exact key, else one equal ignoring case.
fn get_key<'a>(object: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Whether `test` holds for any value at `path` in `v` (arrays on the way: any element; a
/// missing field: never, except that `null` is tested when the path ends at a null/missing
/// key so `field = null` works).
fn any_leaf(v: &Value, path: &[String], test: &mut dyn FnMut(&Value) -> bool) -> bool {
    match v {
        Value::Array(items) => items.iter().any(|item| any_leaf(item, path, test)),
        _ => match path.split_first() {
            None => test(v),
            Some((key, rest)) => match v {
                Value::Object(o) => match get_key(o, key) {
                    Some(next) => any_leaf(next, rest, test),
                    None => rest.is_empty() && test(&Value::Null),
                },
                _ => false,
            },
        },
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn ordered(ord: std::cmp::Ordering, op: CompareOp) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CompareOp::Eq => ord == Equal,
        CompareOp::Ne => ord != Equal,
        CompareOp::Gt => ord == Greater,
        CompareOp::Ge => ord != Less,
        CompareOp::Lt => ord == Less,
        CompareOp::Le => ord != Greater,
    }
}

fn compare(v: &Value, op: CompareOp, lit: &Literal) -> bool {
    match lit {
        Literal::Null => match op {
            CompareOp::Eq => v.is_null(),
            CompareOp::Ne => !v.is_null(),
            _ => false,
        },
        Literal::Bool(b) => match (v, op) {
            (Value::Bool(x), CompareOp::Eq) => x == b,
            (Value::Bool(x), CompareOp::Ne) => x != b,
            (Value::String(s), CompareOp::Eq) => s.eq_ignore_ascii_case(&b.to_string()),
            _ => false,
        },
        Literal::Number(n) => {
            let x = match v {
                Value::Number(x) => x.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            x.and_then(|x| x.partial_cmp(n))
                .is_some_and(|ord| ordered(ord, op))
        }
        Literal::String(s) => match v {
            Value::String(x) => ordered(x.to_lowercase().cmp(&s.to_lowercase()), op),
            Value::Number(x) => match (x.as_f64(), s.trim().parse::<f64>()) {
                (Some(x), Ok(n)) => x.partial_cmp(&n).is_some_and(|ord| ordered(ord, op)),
                _ => matches!(op, CompareOp::Eq) && x.to_string() == *s,
            },
            Value::Bool(b) => matches!(op, CompareOp::Eq) && b.to_string().eq_ignore_ascii_case(s),
            _ => false,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// A small regular-expression matcher for MATCHES_REGEX (no crate in the dependency tree).

#[derive(Debug, Clone)]
enum Atom {
    Any,
    Char(char),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// How often an item matches (`+` is parsed as the item once, then `*`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Repeat {
    One,
    ZeroOrOne,
    ZeroOrMore,
}

/// A compiled `MATCHES_REGEX` pattern (the subset in the module doc), case-insensitive.
struct Regex {
    anchored_start: bool,
    anchored_end: bool,
    items: Vec<(Atom, Repeat)>,
}

impl Regex {
    fn new(pattern: &str) -> Result<Regex, String> {
        let mut chars: Vec<char> = pattern.chars().collect();
        let anchored_start = chars.first() == Some(&'^');
        if anchored_start {
            chars.remove(0);
        }
        let anchored_end =
            chars.last() == Some(&'$') && (chars.len() < 2 || chars[chars.len() - 2] != '\\');
        if anchored_end {
            chars.pop();
        }
        let mut items: Vec<(Atom, Repeat)> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            let atom = match c {
                '.' => Atom::Any,
                '\\' => {
                    let Some(&e) = chars.get(i) else {
                        return Err("regular expression ends with `\\`".into());
                    };
                    i += 1;
                    escape_atom(e)
                }
                '[' => {
                    let negated = chars.get(i) == Some(&'^');
                    if negated {
                        i += 1;
                    }
                    let mut ranges = Vec::new();
                    let mut closed = false;
                    while i < chars.len() {
                        let mut lo = chars[i];
                        i += 1;
                        if lo == ']' && !ranges.is_empty() {
                            closed = true;
                            break;
                        }
                        if lo == '\\' {
                            let Some(&e) = chars.get(i) else { break };
                            i += 1;
                            match escape_atom(e) {
                                Atom::Class { ranges: r, .. } => {
                                    ranges.extend(r);
                                    continue;
                                }
                                Atom::Char(ch) => lo = ch,
                                Atom::Any => {}
                            }
                        }
                        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|c| *c != ']')
                        {
                            let hi = chars[i + 1];
                            i += 2;
                            ranges.push((lo, hi));
                        } else {
                            ranges.push((lo, lo));
                        }
                    }
                    if !closed {
                        return Err("unclosed `[` in regular expression".into());
                    }
                    Atom::Class { negated, ranges }
                }
                '(' | ')' | '|' | '{' | '}' => {
                    return Err(format!(
                        "`{c}` is not supported in the sandbox's MATCHES_REGEX subset"
                    ))
                }
                '*' | '+' | '?' => {
                    return Err(format!(
                        "`{c}` has nothing to repeat in the regular expression"
                    ))
                }
                other => Atom::Char(other),
            };
            match chars.get(i) {
                Some('*') => {
                    i += 1;
                    items.push((atom, Repeat::ZeroOrMore));
                }
                Some('+') => {
                    i += 1;
                    items.push((atom.clone(), Repeat::One));
                    items.push((atom, Repeat::ZeroOrMore));
                }
                Some('?') => {
                    i += 1;
                    items.push((atom, Repeat::ZeroOrOne));
                }
                _ => items.push((atom, Repeat::One)),
            }
        }
        Ok(Regex {
            anchored_start,
            anchored_end,
            items,
        })
    }

    /// Runs the pattern as a set of positions over the text (Thompson-style): time is
    /// O(text × pattern), whatever the pattern, so no input makes it backtrack for long.
    fn is_match(&self, text: &str) -> bool {
        let n = self.items.len();
        // Positions reachable without reading: skip optional items.
        let close = |set: &mut [bool]| {
            for i in 0..n {
                if set[i] && self.items[i].1 != Repeat::One {
                    set[i + 1] = true;
                }
            }
        };
        // Two buffers for the whole run: `next` is cleared and swapped in for each character.
        let mut current = vec![false; n + 1];
        let mut next = vec![false; n + 1];
        current[0] = true;
        close(&mut current);
        for c in text.chars() {
            if current[n] && !self.anchored_end {
                return true;
            }
            next.fill(false);
            for i in 0..n {
                let (atom, repeat) = &self.items[i];
                if current[i] && atom_matches(atom, c) {
                    match repeat {
                        Repeat::ZeroOrMore => next[i] = true,
                        _ => next[i + 1] = true,
                    }
                }
            }
            if !self.anchored_start {
                next[0] = true;
            }
            close(&mut next);
            std::mem::swap(&mut current, &mut next);
        }
        current[n]
    }
}

fn escape_atom(e: char) -> Atom {
    let class = |ranges: Vec<(char, char)>, negated| Atom::Class { negated, ranges };
    match e {
        'd' => class(vec![('0', '9')], false),
        'D' => class(vec![('0', '9')], true),
        'w' => class(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], false),
        'W' => class(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], true),
        's' => class(
            vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')],
            false,
        ),
        'S' => class(
            vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')],
            true,
        ),
        other => Atom::Char(other),
    }
}

fn atom_matches(atom: &Atom, c: char) -> bool {
    let fold = |c: char| c.to_lowercase().next().unwrap_or(c);
    match atom {
        Atom::Any => c != '\n',
        Atom::Char(x) => fold(*x) == fold(c),
        Atom::Class { negated, ranges } => {
            let lc = fold(c);
            let uc = c.to_uppercase().next().unwrap_or(c);
            let hit = ranges
                .iter()
                .any(|(lo, hi)| [c, lc, uc].iter().any(|x| lo <= x && x <= hi));
            hit != *negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alert() -> Value {
        json!({
            "id": "alert://priv:x:1",
            "severity": 0.72,
            "status": "OPEN",
            "metadata": {"title": "Suspicious PowerShell", "created_at": {"seconds": 100}},
            "entities": ["host:web-01", "user:alice"],
            "investigation_ids": [],
            "count": "12",
            "enabled": true,
            "note": null
        })
    }

    fn filter(text: &str) -> Expr {
        match parse_filter(text) {
            Ok(Some(e)) => e,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn holds(text: &str) -> bool {
        filter(text).matches(&alert())
    }

    #[test]
    fn a_full_query_parses_into_its_parts() {
        let q = parse_query(
            "from alert, event where severity >= 0.6 and status = 'OPEN' earliest=-1d latest=-2h | head 5 | TAIL 2",
        )
        .unwrap();
        assert_eq!(q.from, vec!["alert", "event"]);
        assert_eq!(q.earliest, Some(TimeBound::Relative(-86_400_000)));
        assert_eq!(q.latest, Some(TimeBound::Relative(-7_200_000)));
        assert_eq!(q.pipes, vec![Pipe::Head(5), Pipe::Tail(2)]);
        assert!(q.matches(&alert()));
        assert_eq!(q.apply_pipes((1..=10).collect()), vec![4, 5]);
    }

    #[test]
    fn clauses_come_in_any_order_and_times_take_every_form() {
        let q =
            parse_query("FROM alert EARLIEST='2026-01-01T00:00:00Z' WHERE severity > 0.1").unwrap();
        assert_eq!(q.earliest, Some(TimeBound::Absolute(1_767_225_600_000)));
        let q = parse_query("FROM alert EARLIEST=2026-01-01T00:00:00Z LATEST=1767225700").unwrap();
        assert_eq!(q.earliest, Some(TimeBound::Absolute(1_767_225_600_000)));
        assert_eq!(q.latest, Some(TimeBound::Absolute(1_767_225_700_000)));
        let q = parse_query("FROM alert EARLIEST=-30m LATEST=1767225700123").unwrap();
        assert_eq!(q.earliest, Some(TimeBound::Relative(-1_800_000)));
        assert_eq!(q.latest, Some(TimeBound::Absolute(1_767_225_700_123)));
        assert!(q.in_window(1_767_225_700_000, 1_767_225_700_000 + 60_000));
        assert!(!q.in_window(1_767_220_000_000, 1_767_225_700_000 + 60_000));
        assert!(parse_query("FROM alert").unwrap().filter.is_none());
    }

    #[test]
    fn comparisons_follow_the_documented_rules() {
        assert!(holds("severity >= 0.6"));
        assert!(!holds("severity < 0.6"));
        assert!(holds("status = 'open'"), "strings compare ignoring case");
        assert!(holds("status != 'RESOLVED'"));
        assert!(holds("metadata.title = \"Suspicious PowerShell\""));
        assert!(holds("METADATA.TITLE contains 'powershell'"));
        assert!(holds("metadata.created_at.seconds = 100"));
        assert!(holds("entities = 'user:alice'"), "arrays: any element");
        assert!(holds("entities contains 'web'"));
        assert!(holds("status in ('RESOLVED', 'OPEN')"));
        assert!(holds("status not in ('RESOLVED')"));
        assert!(holds("count > 10"), "numeric strings compare as numbers");
        assert!(holds("enabled = true"));
        assert!(holds("note = null") && holds("missing = null"));
        assert!(holds("missing != 'x'"), "!= is the negation of =");
        assert!(!holds("missing = 'x'") && !holds("missing > 1"));
        assert!(!holds("investigation_ids = 'x'"));
        assert!(holds("NOT (severity < 0.5 OR status = 'RESOLVED')"));
        assert!(holds(
            "severity > 0.9 or status = 'OPEN' and severity > 0.7"
        ));
        assert!(!holds(
            "(severity > 0.9 or status = 'OPEN') and severity > 0.8"
        ));
        assert!(holds("metadata.title matches_regex '^susp.*shell$'"));
        assert!(holds("id matches_regex 'priv:[a-z]+:\\d'"));
        assert!(!holds("metadata.title matches_regex '^shell'"));
        assert!(holds("metadata.title not matches_regex 'zzz'"));
    }

    #[test]
    fn regular_expressions_match_like_a_regex_engine_and_never_backtrack_for_long() {
        let m = |p: &str, t: &str| Regex::new(p).unwrap().is_match(t);
        assert!(m("^a+b?c*$", "aaac") && m("^a+b?c*$", "ab") && !m("^a+b?c*$", "b"));
        assert!(m("b.d", "abcde") && !m("^b.d", "abcde") && m("d$", "abcd") && !m("c$", "abcd"));
        assert!(m("^[a-c]+[^a-c]$", "abcx") && !m("^[a-c]+[^a-c]$", "abca"));
        assert!(m("\\d\\.\\d", "v1.2") && !m("\\d\\.\\d", "v1x2"));
        assert!(m("^$", "") && m("", "anything") && m("x*", ""));
        assert!(m("^HOST-\\w+$", "host-web_01"), "case-insensitive");
        let text = "a".repeat(5_000);
        let started = std::time::Instant::now();
        assert!(!m(&format!("{}b", "a*".repeat(40)), &text));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn an_empty_filter_is_none_and_where_is_optional() {
        assert_eq!(parse_filter("   ").unwrap(), None);
        assert_eq!(filter("WHERE status = 'OPEN'"), filter("status='OPEN'"));
    }

    #[test]
    fn errors_name_the_position_and_never_panic() {
        let cases: &[(&str, usize, &str)] = &[
            ("FROM alert WHERE severity >= ", 29, "expected a value"),
            ("FROM alert WHERE (status = 'OPEN'", 33, "expected `)`"),
            ("FROM alert WHERE status = OPEN", 26, "quote strings"),
            ("FROM alert WHERE status = 'OPEN", 26, "unterminated string"),
            ("alert WHERE x = 1", 0, "expected FROM"),
            ("FROM alert WHERE x ~ 1", 19, "unexpected character"),
            ("FROM alert EARLIEST=-1y", 20, "is not a time"),
            ("FROM alert | head x", 18, "expected a count"),
            ("FROM alert WHERE x = 1 y", 23, "unexpected `y`"),
            ("FROM alert WHERE x IN (1, 2", 27, "expected `,` or `)`"),
            (
                "FROM alert WHERE x matches_regex '(a|b)'",
                33,
                "not supported",
            ),
            ("FROM", 4, "expected a record type"),
        ];
        for (text, position, message) in cases {
            let err = parse_query(text).unwrap_err();
            assert_eq!(err.position, *position, "{text}: {err}");
            assert!(err.message.contains(message), "{text}: {err}");
            assert!(err.to_string().contains(&format!("position {position}")));
        }
        for junk in [
            "",
            "(((",
            "FROM a WHERE NOT",
            "'",
            "FROM a | ",
            "FROM a WHERE a.b. = 1",
            "é∂ = 'x'",
        ] {
            let _ = parse_query(junk);
            let _ = parse_filter(junk);
        }
    }
}
