//! Repeat authors: other cases of the same school that name the same
//! author, or the same account on the same platform. Never across schools,
//! and never a restricted case the reader is not named on.

use uuid::Uuid;

use super::{Author, CaseDetail, Target};
use crate::auth::CaseScope;
use crate::domain::case::Platform;
use crate::domain::ids::CaseId;

/// Another case of the school that shares an author or an account.
pub struct RelatedCase {
    /// Its id.
    pub id: CaseId,
    /// Its reference.
    pub reference: String,
    /// The platform code, when the shared thing is an account.
    pub platform: Option<String>,
    /// The shared author name or account, as the other case writes it.
    pub value: String,
}

impl RelatedCase {
    /// What the two cases share, as shown.
    pub fn shared(&self) -> String {
        match &self.platform {
            Some(p) => format!("{} : {}", Platform::label_of(p), self.value),
            None => self.value.clone(),
        }
    }
}

/// The most related cases listed on a page.
pub const RELATED_MAX: i64 = 50;

/// The other cases of `case`'s school that name one of its authors (same
/// name, any case) or one of its online accounts (same platform and value),
/// for school staff in scope; nothing read when the case names none.
pub async fn related_cases(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    case: &CaseDetail,
    authors: &[Author],
    targets: &[Target],
) -> sqlx::Result<Vec<RelatedCase>> {
    let names: Vec<String> = authors
        .iter()
        .filter(|a| !a.name.is_empty())
        .map(|a| a.name.to_lowercase())
        .collect();
    let (platforms, accounts): (Vec<String>, Vec<String>) = targets
        .iter()
        .map(|t| (t.platform.clone(), t.target.to_lowercase()))
        .unzip();
    if names.is_empty() && accounts.is_empty() {
        return Ok(Vec::new());
    }
    // Planned with the names: a placeholder such as « Élève X » is shared
    // by thousands of cases, better found from the school's side.
    let mut tx = crate::db::planned_with_values(pool).await?;
    let rows = sqlx::query_as!(
        RelatedCase,
        r#"select o.id as "id!: CaseId", o.reference as "reference!", m.platform, m.value as "value!"
           from (select oa.case_id, null::text as platform, oa.name as value
                 from case_authors oa
                 where lower(oa.name) = any($3) and oa.case_id <> $1
                 union
                 select ot.case_id, ot.platform, ot.target
                 from online_targets ot
                 join unnest($4::text[], $5::text[]) as t(platform, target)
                   on ot.platform = t.platform and lower(ot.target) = t.target
                 where ot.case_id <> $1) m
           join cases o on o.id = m.case_id
           where o.school_id = $2 and o.school_id = any($6)
             and (not o.restricted or exists (select 1 from case_access ca where ca.case_id = o.id and ca.account_id = $7))
           order by o.created_at desc, o.id, m.value
           limit $8"#,
        case.id.0,
        case.school_id.0,
        &names,
        &platforms,
        &accounts,
        scope.school_ids() as &[Uuid],
        scope.actor().0,
        RELATED_MAX
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}
