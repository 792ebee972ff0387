//! Building a statement piece by piece with numbered placeholders (`$1`, `$2`, …), which
//! both SQLite and PostgreSQL read. sqlx's own `QueryBuilder` writes `?` for the `Any`
//! driver, which PostgreSQL does not accept.

use std::fmt::Write;

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Any, Arguments, Encode, FromRow, Type};

/// A statement under construction and its bound values.
#[derive(Default)]
pub struct Sql<'a> {
    text: String,
    args: AnyArguments<'a>,
}

impl<'a> Sql<'a> {
    /// Starts a statement with `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Sql {
            text: text.into(),
            args: AnyArguments::default(),
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.text.push_str(text.as_ref());
        self
    }

    /// Appends a placeholder for `value`.
    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'a + Encode<'a, Any> + Type<Any>,
    {
        // Encoding into the Any driver's value list cannot fail for the types we bind.
        let _ = self.args.add(value);
        let _ = write!(self.text, "${}", self.args.len());
        self
    }

    /// Appends `values` as placeholders separated by `sep` (for `IN (…)` lists).
    pub fn push_list<T, I>(&mut self, values: I, sep: &str) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: 'a + Encode<'a, Any> + Type<Any>,
    {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(sep);
            }
            self.push_bind(v);
        }
        self
    }

    /// The SQL text so far.
    pub fn sql(&self) -> &str {
        &self.text
    }

    /// The statement, to execute.
    pub fn build(&mut self) -> Query<'_, Any, AnyArguments<'_>> {
        sqlx::query_with(&self.text, std::mem::take(&mut self.args))
    }

    /// The statement, reading rows as `T`.
    pub fn build_query_as<T>(&mut self) -> QueryAs<'_, Any, T, AnyArguments<'_>>
    where
        T: for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(&self.text, std::mem::take(&mut self.args))
    }

    /// The statement, reading one value per row as `T`.
    pub fn build_query_scalar<T>(&mut self) -> QueryScalar<'_, Any, T, AnyArguments<'_>>
    where
        (T,): for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_scalar_with(&self.text, std::mem::take(&mut self.args))
    }
}

/// A yes/no column, stored as 0/1 (`INTEGER` on SQLite, `BIGINT` on PostgreSQL): read it
/// with `#[sqlx(try_from = "Flag")]` on a `bool` field. The `Any` driver decodes `bool`
/// only from a real boolean, which SQLite does not have.
#[derive(Debug, Clone, Copy)]
pub struct Flag(pub bool);

impl Type<Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty) || <bool as Type<Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        if let Ok(b) = <bool as sqlx::Decode<Any>>::decode(value.clone()) {
            return Ok(Flag(b));
        }
        Ok(Flag(<i64 as sqlx::Decode<Any>>::decode(value)? != 0))
    }
}

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}
