//! Schools (établissements).

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::ids::SchoolId;
use crate::domain::values::Uai;

/// A school as shown in lists.
#[derive(Debug, Clone)]
pub struct School {
    /// Id.
    pub id: SchoolId,
    /// National code.
    pub uai: String,
    /// Name.
    pub name: String,
    /// Town.
    pub town: String,
    /// Académie.
    pub academie: String,
    /// Closed: no new case, not offered to the public.
    pub closed: bool,
}

/// Creates the school or updates its name, town and académie. Returns its id.
pub async fn upsert_school<'e>(
    db: impl PgExecutor<'e>,
    uai: &Uai,
    name: &str,
    town: &str,
    academie: &str,
) -> sqlx::Result<SchoolId> {
    sqlx::query_scalar!(
        r#"insert into schools (id, uai, name, town, academie) values ($1, $2, $3, $4, $5)
           on conflict (uai) do update set name = excluded.name, town = excluded.town, academie = excluded.academie
           returning id as "id: SchoolId""#,
        SchoolId::new().0,
        uai.as_str(),
        name,
        town,
        academie
    )
    .fetch_one(db)
    .await
}

/// The school with this UAI.
pub async fn find_by_uai<'e>(db: impl PgExecutor<'e>, uai: &Uai) -> sqlx::Result<Option<School>> {
    sqlx::query_as!(
        School,
        r#"select id as "id: SchoolId", uai, name, town, academie, closed_at is not null as "closed!"
           from schools where uai = $1"#,
        uai.as_str()
    )
    .fetch_optional(db)
    .await
}

/// The schools with these ids, by name.
pub async fn list_by_ids<'e>(
    db: impl PgExecutor<'e>,
    ids: &[SchoolId],
) -> sqlx::Result<Vec<School>> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|s| s.0).collect();
    sqlx::query_as!(
        School,
        r#"select id as "id: SchoolId", uai, name, town, academie, closed_at is not null as "closed!"
           from schools where id = any($1) order by name"#,
        &ids
    )
    .fetch_all(db)
    .await
}

/// The most characters of a school search that are used.
pub const MAX_SEARCH: usize = 100;

/// Schools whose UAI is `q`, or whose name or town contains it (20 at
/// most). Anonymous callers reach this: the words are cut to
/// [`MAX_SEARCH`] characters and the query may take 2 s at most.
pub async fn search(pool: &sqlx::PgPool, q: &str) -> sqlx::Result<Vec<School>> {
    let q: String = q.trim().chars().take(MAX_SEARCH).collect();
    let pattern = super::contains_pattern(&q);
    let mut tx = pool.begin().await?;
    sqlx::query!("set local statement_timeout = '2s'")
        .execute(&mut *tx)
        .await?;
    let found = sqlx::query_as!(
        School,
        r#"select id as "id: SchoolId", uai, name, town, academie, false as "closed!" from schools
           where (uai = upper($1) or name ilike $2 or town ilike $2) and closed_at is null
           order by (uai = upper($1)) desc, name, town limit 20"#,
        q,
        pattern
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(found)
}

/// The ids of the schools whose UAI is `q` or whose name or town contains
/// it (at most `limit`), on the trigram indexes: the queue's search box
/// resolves schools first, then walks the cases of those schools.
pub async fn matching_ids(pool: &sqlx::PgPool, q: &str, limit: i64) -> sqlx::Result<Vec<Uuid>> {
    let q: String = q.trim().chars().take(MAX_SEARCH).collect();
    sqlx::query_scalar!(
        "select id from schools where uai = upper($1) or name ilike $2 or town ilike $2 limit $3",
        q,
        super::contains_pattern(&q),
        limit
    )
    .fetch_all(pool)
    .await
}

/// One school, open or closed.
pub async fn get<'e>(db: impl PgExecutor<'e>, id: SchoolId) -> sqlx::Result<Option<School>> {
    sqlx::query_as!(
        School,
        r#"select id as "id: SchoolId", uai, name, town, academie, closed_at is not null as "closed!"
           from schools where id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await
}

/// Changes a school's name, town and académie.
pub async fn edit<'e>(
    db: impl PgExecutor<'e>,
    id: SchoolId,
    name: &str,
    town: &str,
    academie: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update schools set name = $2, town = $3, academie = $4 where id = $1",
        id.0,
        name,
        town,
        academie
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes (`Some(when)`) or reopens (`None`) a school; whether it changed.
pub async fn set_closed<'e>(
    db: impl PgExecutor<'e>,
    id: SchoolId,
    closed_at: Option<chrono::DateTime<chrono::Utc>>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update schools set closed_at = $2
         where id = $1 and (closed_at is null) <> ($2::timestamptz is null)",
        id.0,
        closed_at as Option<chrono::DateTime<chrono::Utc>>
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
