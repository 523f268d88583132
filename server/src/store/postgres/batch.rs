//! Statements over many rows at once, for the group commit and the report
//! rows it replaces.
//!
//! Sent one row at a time, every row a group writes would cost a network
//! round trip (and, prepared from text, another to prepare it): with
//! PostgreSQL across a network that, not the database's work, was what a
//! commit cost. Here each column's values travel as one array parameter,
//! which `unnest($1, $2, …)` turns back into rows on the server, so a
//! table costs one statement per group whatever its size. Statements go
//! out typed (`execute_typed`, `query_typed`): the parameters' types are
//! said up front, so PostgreSQL parses, binds and runs a statement in one
//! exchange, with no prepare round trip.

use postgres::types::{ToSql, Type};
use postgres::{GenericClient, Row};

use crate::store::StorageError;

/// The PostgreSQL array type of a column whose values are `Self`.
pub(super) trait ArrayOf {
    const ARRAY: Type;
}

impl ArrayOf for &str {
    const ARRAY: Type = Type::TEXT_ARRAY;
}

impl ArrayOf for String {
    const ARRAY: Type = Type::TEXT_ARRAY;
}

impl ArrayOf for i64 {
    const ARRAY: Type = Type::INT8_ARRAY;
}

impl ArrayOf for bool {
    const ARRAY: Type = Type::BOOL_ARRAY;
}

impl ArrayOf for &[u8] {
    const ARRAY: Type = Type::BYTEA_ARRAY;
}

/// NULLs travel inside the array.
impl<T: ArrayOf> ArrayOf for Option<T> {
    const ARRAY: Type = T::ARRAY;
}

/// One column of rows: its values as one array parameter.
pub(super) struct Column<'a> {
    values: Box<dyn ToSql + Sync + 'a>,
    array: Type,
    len: usize,
}

impl<'a> Column<'a> {
    pub(super) fn new<V: ToSql + Sync + ArrayOf + 'a>(values: Vec<V>) -> Self {
        Column {
            len: values.len(),
            values: Box::new(values),
            array: V::ARRAY,
        }
    }
}

/// The column of `value` taken from each of `rows`.
pub(super) fn column<'a, T, V>(rows: &[&'a T], value: impl Fn(&'a T) -> V) -> Column<'a>
where
    V: ToSql + Sync + ArrayOf + 'a,
{
    Column::new(rows.iter().map(|&row| value(row)).collect())
}

/// Runs `sql` with `columns` as its parameters `$1, $2, …`; a statement
/// over no rows is not sent at all.
pub(super) fn execute(
    client: &mut impl GenericClient,
    sql: &str,
    columns: &[Column<'_>],
) -> Result<u64, StorageError> {
    if columns.iter().all(|column| column.len == 0) {
        return Ok(0);
    }
    Ok(client.execute_typed(sql, &params(columns))?)
}

/// The rows `sql` returns with `columns` as its parameters.
pub(super) fn query(
    client: &mut impl GenericClient,
    sql: &str,
    columns: &[Column<'_>],
) -> Result<Vec<Row>, StorageError> {
    Ok(client.query_typed(sql, &params(columns))?)
}

fn params<'c>(columns: &'c [Column<'_>]) -> Vec<(&'c (dyn ToSql + Sync), Type)> {
    columns
        .iter()
        .map(|column| (&*column.values as &(dyn ToSql + Sync), column.array.clone()))
        .collect()
}

/// The last of `items` for each key, in the order of those last ones: a
/// record written twice in one group keeps what its later write says, and
/// `ON CONFLICT DO UPDATE` may not meet one key twice in a statement.
pub(super) fn last_by_key<'a, T, K>(items: &[&'a T], key: impl Fn(&'a T) -> K) -> Vec<&'a T>
where
    K: Eq + std::hash::Hash,
{
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<&'a T> = items
        .iter()
        .rev()
        .filter(|&&item| seen.insert(key(item)))
        .copied()
        .collect();
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_items_win_and_keep_their_order() {
        let items = [("a", 1), ("b", 2), ("a", 3), ("c", 4)];
        let refs: Vec<&(&str, i32)> = items.iter().collect();
        let kept = last_by_key(&refs, |item| item.0);
        assert_eq!(kept, vec![&("b", 2), &("a", 3), &("c", 4)]);
    }
}
