//! What the helpline and families did around the generated cases, with
//! realistic delays: when the helpline returned them (on its service
//! clock), its requests to platforms and their answers, and the public
//! reports some cases came from, or that schools declined or left waiting.

use sqlx::PgPool;

/// Adds returns, platform requests and reports to the generated cases.
pub(super) async fn add(pool: &PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    returns_and_requests(&mut tx).await?;
    reports(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

async fn returns_and_requests(tx: &mut crate::db::Tx<'_>) -> anyhow::Result<()> {
    // Returned after 1 to 15 days of the helpline's time, most within a week.
    sqlx::query!(
        r#"update cases set returned_service_seconds = ((0.5 + power(random(), 2) * 14.5) * 86400)::bigint
           where claimed_at is not null and status in ('returned', 'closed')
             and returned_service_seconds is null"#
    )
    .execute(&mut **tx)
    .await?;
    // One account or content reported to its platform per claimed case;
    // answers after days to weeks, some refused, some never.
    sqlx::query!(
        r#"with t as (
               insert into online_targets (id, case_id, platform, target, added_at)
               select gen_random_uuid(), c.id, c.platforms[1], 'https://exemple.invalid/compte/' || left(c.id::text, 8), c.claimed_at
               from cases c
               where c.claimed_at is not null and not exists (select 1 from online_targets o where o.case_id = c.id)
               returning id, case_id, added_at
           ),
           r as (
               select t.*, random() as r_kind, random() as r_outcome, random() as r_days,
                      (select status from cases c where c.id = t.case_id) as status
               from t
           )
           insert into platform_requests (id, case_id, target_id, kind, sent_on, outcome, outcome_on)
           select gen_random_uuid(), case_id, id,
                  case when r_kind < 0.55 then 'account_closure' when r_kind < 0.9 then 'content_removal'
                       else 'data_preservation' end::request_kind,
                  added_at::date, o.outcome,
                  case when o.outcome in ('done', 'refused')
                       then least(added_at::date + (power(r_days, 2) * 40)::int, current_date) end
           from r, lateral (select case
                   when status in ('in_progress', 'awaiting_school') and r_outcome < 0.5 then 'pending'
                   when r_outcome < 0.65 then 'done' when r_outcome < 0.85 then 'refused'
                   else 'no_answer' end::request_outcome as outcome) o"#
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn reports(tx: &mut crate::db::Tx<'_>) -> anyhow::Result<()> {
    // A quarter of the cases came from a public report.
    sqlx::query!(
        r#"with picked as (
               insert into reports (id, reference, school_id, reporter_kind, danger, description, code_hash,
                                    status, decided_at, case_id, due_at, created_at, last_activity_at)
               select gen_random_uuid(), 'S' || to_char(c.created_at, 'YYYY') || '-' || reference_number(nextval('report_reference_seq')),
                      c.school_id,
                      (array['parent', 'parent', 'pupil_victim', 'staff_victim', 'witness'])[1 + floor(random() * 5)::int]::reporter_kind,
                      c.urgency = 'danger', 'Signalement de démonstration.', sha256(gen_random_uuid()::text::bytea),
                      'case_opened', c.created_at, c.id, c.created_at + interval '3 days',
                      c.created_at - interval '1 day', c.created_at
               from cases c
               where c.report_id is null and random() < 0.25 and c.school_id in (select id from schools where uai like '9%')
               returning id, case_id
           )
           update cases set report_id = picked.id from picked where cases.id = picked.case_id"#
    )
    .execute(&mut **tx)
    .await?;
    // And reports that opened no case: declined, or left waiting (some past
    // their deadline), one for every twenty cases.
    sqlx::query!(
        r#"with sch as (select array_agg(id) as ids from schools where uai like '9%'),
           raw as (select random() as r, (random() * 1095)::int as age_days, i
                   from generate_series(1, (select count(*) / 20 from cases)) as i)
           insert into reports (id, reference, school_id, reporter_kind, danger, description, code_hash,
                                status, decided_at, decline_reason, due_at, overdue_notified_at, created_at, last_activity_at)
           select gen_random_uuid(), 'S' || to_char(now() - make_interval(days => age_days), 'YYYY') || '-' || reference_number(nextval('report_reference_seq')),
                  sch.ids[1 + (i * 7919) % array_length(sch.ids, 1)],
                  (array['parent', 'pupil_victim', 'witness'])[1 + floor(r * 3)::int]::reporter_kind,
                  r < 0.03, 'Signalement de démonstration.', sha256(gen_random_uuid()::text::bytea),
                  case when r < 0.7 then 'declined' else 'received' end::report_status,
                  case when r < 0.7 then now() - make_interval(days => age_days) + interval '2 days' end,
                  case when r < 0.7 then 'Hors du champ : conflit sans lien avec internet.' end,
                  now() - make_interval(days => age_days) + interval '3 days',
                  case when r >= 0.7 and age_days > 3 then now() - make_interval(days => age_days) + interval '3 days' end,
                  now() - make_interval(days => age_days), now() - make_interval(days => age_days)
           from raw, sch"#
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
