//! Runs a query file from the library (or an analyst's own file) and returns a [`Table`].
//! Values are bound as parameters; column types are read back as integer, float, text or null.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Column, Executor, Row, SqlSafeStr, Statement};

use super::{Store, StoreError};
use crate::report::library::Prepared;
use crate::report::table::{Table, Value};

impl Store {
    /// Runs `prepared` with `values[i]` bound to `$i+1` (None binds NULL).
    pub async fn run_query(
        &self,
        prepared: &Prepared,
        values: &[Option<String>],
    ) -> Result<Table, StoreError> {
        let mut query = sqlx::query(AssertSqlSafe(prepared.sql.clone()));
        for value in values {
            query = query.bind(value.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        let columns = match rows.first() {
            Some(row) => row.columns().iter().map(|c| c.name().to_string()).collect(),
            None => {
                // No rows: ask the database for the statement's columns instead.
                let statement = (&self.pool)
                    .prepare(AssertSqlSafe(prepared.sql.clone()).into_sql_str())
                    .await?;
                statement
                    .columns()
                    .iter()
                    .map(|c| c.name().to_string())
                    .collect()
            }
        };
        let rows = rows.iter().map(decode_row).collect();
        Ok(Table { columns, rows })
    }
}

fn decode_row(row: &AnyRow) -> Vec<Value> {
    (0..row.columns().len())
        .map(|i| decode_cell(row, i))
        .collect()
}

fn decode_cell(row: &AnyRow, i: usize) -> Value {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or(Value::Null, Value::Int);
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map_or(Value::Null, Value::Float);
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.map_or(Value::Null, Value::Text);
    }
    if let Ok(v) = row.try_get::<Option<i32>, _>(i) {
        return v.map_or(Value::Null, |v| Value::Int(i64::from(v)));
    }
    if let Ok(v) = row.try_get::<Option<f32>, _>(i) {
        return v.map_or(Value::Null, |v| Value::Float(f64::from(v)));
    }
    if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
        return v.map_or(Value::Null, |v| Value::Int(i64::from(v)));
    }
    if let Ok(v) = row.try_get::<Option<i16>, _>(i) {
        return v.map_or(Value::Null, |v| Value::Int(i64::from(v)));
    }
    Value::Text("(unsupported type)".to_string())
}
