//! Writes a SQLite write unit sends later, together.
//!
//! Every statement sqlx runs on SQLite is a round trip to the connection's worker thread,
//! and a write unit holds the one writer for all of its trips: a capture made 13 of them
//! (issue 17). A write whose answer the use case does not look at (an insert without
//! `RETURNING`, an update whose count is not read) is therefore kept in the unit
//! ([`write_later!`]) and sent with the unit's next statement that needs an answer,
//! or with its `RELEASE` at commit, as one multi-statement query: one trip.
//!
//! Order and atomicity are unchanged: the statements run in the order they were written, in
//! the unit's savepoint, before anything the unit reads after them. What moves is where a
//! failure surfaces: a deferred write that fails (a broken constraint) fails the unit's next
//! statement or its commit instead, and the unit rolls back alone, as before. So only writes
//! whose failure the caller does not tell apart from any other database failure are deferred.
//!
//! The unit's own `SAVEPOINT` waits the same way, so a unit's first trip carries it: a unit
//! that only writes (recording API calls) is one trip, savepoint to release.
//!
//! PostgreSQL runs the same writes at once (a multi-statement query cannot take parameters
//! there).

use sqlx::sqlite::SqliteArguments;
use sqlx::Arguments;

/// A value bound to a deferred statement, owned (the statement outlives the call that wrote
/// it). SQLite's own storage classes: booleans are integers.
#[derive(Debug, Clone)]
pub enum Arg {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(v)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Int(v as i64)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_owned())
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(v.clone())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}

impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Arg {
        v.map_or(Arg::Null, Into::into)
    }
}

impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        v.as_deref().into()
    }
}

/// Statements waiting to be sent, as one query text and its arguments.
#[derive(Debug, Default)]
pub(crate) struct Deferred {
    sql: String,
    args: Vec<Arg>,
    /// A statement whose text varies (a batch insert of any size) is waiting: the query is
    /// not kept prepared, so it cannot push the hot paths' statements out of the cache.
    varies: bool,
}

impl Deferred {
    pub(crate) fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }

    /// Adds a statement whose parameters are `$1`..`$n` of its own: they are renumbered
    /// after those of the statements already waiting.
    pub(crate) fn push(&mut self, sql: &str, args: Vec<Arg>) {
        renumber(sql, self.args.len(), &mut self.sql);
        self.sql.push_str(";\n");
        self.args.extend(args);
    }

    /// [`Deferred::push`] of a statement whose text varies from call to call.
    pub(crate) fn push_varying(&mut self, sql: &str, args: Vec<Arg>) {
        self.push(sql, args);
        self.varies = true;
    }

    /// Whether the query [`Deferred::take`] gives may be kept prepared.
    pub(crate) fn keeps_prepared(&self) -> bool {
        !self.varies
    }

    /// The waiting statements' text, if none of them takes a parameter (the unit's
    /// `SAVEPOINT`): it can then go in front of any statement, whose own `$n` stay as they
    /// are, in that statement's trip. Leaves `self` empty.
    pub(crate) fn take_without_args(&mut self) -> Option<String> {
        if self.args.is_empty() && !self.varies {
            Some(std::mem::take(&mut self.sql))
        } else {
            None
        }
    }

    /// The query text with `tail` (a statement without parameters, e.g. `RELEASE …`)
    /// appended, and the arguments; leaves `self` empty.
    pub(crate) fn take(&mut self, tail: &str) -> (String, SqliteArguments<'static>) {
        self.varies = false;
        let mut sql = std::mem::take(&mut self.sql);
        sql.push_str(tail);
        let mut args = SqliteArguments::default();
        for a in std::mem::take(&mut self.args) {
            // Adding an owned value to SQLite's arguments cannot fail.
            let _ = match a {
                Arg::Null => args.add(Option::<i64>::None),
                Arg::Int(v) => args.add(v),
                Arg::Text(v) => args.add(v),
            };
        }
        (sql, args)
    }
}

/// Appends `sql` to `out` with every `$n` written as `$(n + offset)`. Deferred statements
/// are Kassa's own text: values are always bound, so a `$` is always a parameter.
fn renumber(sql: &str, offset: usize, out: &mut String) {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: usize = rest[..digits]
            .parse()
            .expect("a $ in deferred SQL is a numbered parameter");
        out.push_str(&(n + offset).to_string());
        rest = &rest[digits..];
    }
    out.push_str(rest);
}

/// Runs a write in a transaction now (PostgreSQL) or keeps it for the unit's next trip to
/// SQLite (see the module). `$sql` numbers its parameters `$1`..; each argument is one
/// expression, bound as it is on PostgreSQL and as an owned [`Arg`] on SQLite.
macro_rules! write_later {
    ($tx:expr, $sql:expr, [$($arg:expr),* $(,)?]) => {
        match $tx {
            $crate::connect::Tx::Sqlite(t) => {
                t.defer($sql, vec![$($crate::deferred::Arg::from($arg)),*]);
                Ok::<(), sqlx::Error>(())
            }
            $crate::connect::Tx::Postgres(t) => sqlx::query($sql)
                $(.bind($arg))*
                .execute(&mut **t)
                .await
                .map(|_| ()),
        }
    };
}
pub(crate) use write_later;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_after_those_already_waiting() {
        let mut d = Deferred::default();
        d.push("INSERT INTO a (x, y) VALUES ($1, $2)", vec![1i64.into(), "t".into()]);
        d.push(
            "UPDATE b SET x = $2 WHERE id = $1 AND z = $2",
            vec![7i64.into(), None::<i64>.into()],
        );
        let (sql, _) = d.take("RELEASE SAVEPOINT s");
        assert_eq!(
            sql,
            "INSERT INTO a (x, y) VALUES ($1, $2);\nUPDATE b SET x = $4 WHERE id = $3 AND z = $4;\nRELEASE SAVEPOINT s"
        );
        assert!(d.is_empty());
        let mut out = String::new();
        renumber("$10 + $9", 100, &mut out);
        assert_eq!(out, "$110 + $109");
    }

    #[test]
    fn only_statements_without_parameters_go_in_front_of_another() {
        let mut d = Deferred::default();
        d.push("SAVEPOINT s", Vec::new());
        assert_eq!(d.take_without_args().as_deref(), Some("SAVEPOINT s;\n"));
        assert!(d.is_empty());
        d.push("SAVEPOINT s", Vec::new());
        d.push("INSERT INTO a (x) VALUES ($1)", vec![1i64.into()]);
        assert_eq!(d.take_without_args(), None);
        assert!(d.keeps_prepared());
        d.push_varying("INSERT INTO a (x) VALUES ($1), ($2)", vec![1i64.into(), 2i64.into()]);
        assert!(!d.keeps_prepared());
        let (sql, _) = d.take("RELEASE SAVEPOINT s");
        assert!(sql.starts_with("SAVEPOINT s;\nINSERT INTO a (x) VALUES ($1);\nINSERT INTO a (x) VALUES ($2), ($3);"));
        assert!(d.keeps_prepared());
    }
}
