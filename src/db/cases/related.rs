//! Repeat authors: other cases of the same school that name the same
//! author, or the same account on the same platform. Never across schools,
//! and never a restricted case the reader is not named on.

use uuid::Uuid;

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

/// The other cases of case `id`'s school that name one of its authors (same
/// name, any case) or one of its online accounts (same platform and value),
/// for school staff in scope.
pub async fn related_cases(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    id: CaseId,
) -> sqlx::Result<Vec<RelatedCase>> {
    sqlx::query_as!(
        RelatedCase,
        r#"select o.id as "id!: CaseId", o.reference as "reference!", m.platform, m.value as "value!"
           from (select oa.case_id, null::text as platform, oa.name as value
                 from case_authors a
                 join case_authors oa on lower(oa.name) = lower(a.name) and oa.name <> '' and oa.case_id <> a.case_id
                 where a.case_id = $1 and a.name <> ''
                 union
                 select ot.case_id, ot.platform, ot.target
                 from online_targets t
                 join online_targets ot on ot.platform = t.platform and lower(ot.target) = lower(t.target) and ot.case_id <> t.case_id
                 where t.case_id = $1) m
           join cases o on o.id = m.case_id
           join cases c on c.id = $1
           where o.school_id = c.school_id and c.school_id = any($2)
             and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $3)) and (not o.restricted or exists (select 1 from case_access ca where ca.case_id = o.id and ca.account_id = $3))
           order by o.created_at desc, o.id, m.value
           limit $4"#,
        id.0,
        scope.school_ids() as &[Uuid],
        scope.actor().0,
        RELATED_MAX
    )
    .fetch_all(pool)
    .await
}
