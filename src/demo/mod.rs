//! Demo data: two schools, one account per role, a few cases. Only on request
//! and never in production (the CLI checks).

use anyhow::Context;
use sqlx::PgPool;

mod history;
mod screenshot;
mod work;

use crate::auth::{Actor, password};
use crate::db;
use crate::domain::status::Role;
use crate::domain::values::{EmailAddress, Uai};
use crate::ops::Ops;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "vigie-demo-2026";

/// The second-factor secret of every demo account (base32, published in the
/// README): `oathtool --totp -b VIGIEDEMOVIGIEDEMOVIGIEDEMOVIGIE` or any
/// authenticator app gives the code. Demo data only: real accounts get a
/// random secret when they enrol.
pub const DEMO_TOTP_SECRET: &str = "VIGIEDEMOVIGIEDEMOVIGIEDEMOVIGIE";

/// Demo schools: UAI, name, town, académie.
pub const DEMO_SCHOOLS: [(&str, &str, &str, &str); 2] = [
    ("0691664K", "Collège Jean Moulin", "Lyon", "Lyon"),
    ("0750656P", "Lycée Victor Hugo", "Paris", "Paris"),
];

/// Demo accounts: e-mail, name, role, index of the school.
pub const DEMO_ACCOUNTS: [(&str, &str, Role, Option<usize>); 4] = [
    (
        "principale@college-jean-moulin.example.org",
        "Claire Martin (principale)",
        Role::SchoolStaff,
        Some(0),
    ),
    (
        "proviseur@lycee-victor-hugo.example.org",
        "Karim Benali (proviseur)",
        Role::SchoolStaff,
        Some(1),
    ),
    (
        "ecoutante@3018.example.org",
        "Léa Dubois (e-Enfance)",
        Role::Helpline,
        None,
    ),
    (
        "admin@academie.example.org",
        "Administration académique",
        Role::Admin,
        None,
    ),
];

/// Loads the demo data; running it again changes nothing. Accounts and
/// schools are written directly; the cases and reports go through the
/// operations, as if the people had used the site, so that every role has
/// something to do on first login.
pub async fn seed(ops: &Ops) -> anyhow::Result<()> {
    let pool = &ops.db;
    let first = EmailAddress::parse(DEMO_ACCOUNTS[0].0).expect("valid demo e-mail");
    if db::accounts::find_for_login(pool, &first).await?.is_some() {
        tracing::info!("demo data already present");
        return Ok(());
    }
    let hash = password::hash_password(DEMO_PASSWORD.to_owned()).await?;
    let mut tx = pool.begin().await?;
    let mut schools = Vec::new();
    for (uai, name, town, academie) in DEMO_SCHOOLS {
        let uai = Uai::parse(uai).expect("valid demo UAI");
        schools.push(db::schools::upsert_school(&mut *tx, &uai, name, town, academie).await?);
    }
    let mut actors = Vec::new();
    for (email, name, role, school) in DEMO_ACCOUNTS {
        let email = EmailAddress::parse(email).expect("valid demo e-mail");
        let id = db::accounts::upsert_account(&mut *tx, &email, name, role, &hash).await?;
        if let Some(i) = school {
            db::accounts::attach_school(&mut *tx, id, schools[i]).await?;
        }
        actors.push(Actor {
            id,
            role,
            display_name: name.to_owned(),
            schools: school.map(|i| vec![schools[i]]).unwrap_or_default(),
            academies: Vec::new(),
            csrf: String::new(),
        });
    }
    tx.commit().await.context("demo accounts")?;
    let secret = crate::auth::totp::secret_from_text(DEMO_TOTP_SECRET).expect("valid base32");
    for actor in &actors {
        let sealed = ops.config.two_factor.key.seal(actor.id.0, &secret);
        db::two_factor::enrol_directly(pool, actor.id, &sealed, chrono::Utc::now()).await?;
    }
    let [college, lycee, agent, _] = actors.try_into().expect("four demo accounts");
    work::college(ops, &college, &agent).await?;
    work::lycee(ops, &lycee, &agent).await?;
    Ok(())
}

/// Schools generated per thousand cases asked (at least 200, at most 6,000).
fn school_count(cases: u64) -> i32 {
    (cases / 170).clamp(200, 6000) as i32
}

/// Fills the database with `cases` realistic cases over thousands of schools
/// of every académie: statuses, urgencies, platforms and dates spread as a
/// national service would see them over three years. For load measurements.
pub async fn generate(pool: &PgPool, cases: u64) -> anyhow::Result<()> {
    schools_and_agents(pool, cases).await?;
    generate_cases(pool, cases).await?;
    history::add(pool).await?;
    crate::db::statistics::fold_new(pool).await?;
    crate::db::fold_appended(pool).await?;
    sqlx::query!("analyze").execute(pool).await?;
    Ok(())
}

/// Schools over the académies, and the helpline agents who claim the cases.
async fn schools_and_agents(pool: &PgPool, cases: u64) -> anyhow::Result<()> {
    let schools = school_count(cases);
    let hash = password::hash_password(DEMO_PASSWORD.to_owned()).await?;
    let mut tx = pool.begin().await?;
    // Schools: UAI 9xxxxxxZ (a range no real school uses), in 30 académies.
    sqlx::query!(
        r#"insert into schools (id, uai, name, town, academie)
           select gen_random_uuid(),
                  '9' || lpad(i::text, 6, '0') || chr(65 + i % 26),
                  (array['Collège', 'Lycée', 'Lycée professionnel', 'Collège'])[1 + i % 4] || ' ' ||
                  (array['Jean Moulin', 'Victor Hugo', 'Jules Ferry', 'Louise Michel', 'Simone Veil', 'Marie Curie',
                         'Jean Jaurès', 'Albert Camus', 'Pierre Mendès France', 'Olympe de Gouges', 'Jacques Prévert',
                         'Paul Éluard', 'George Sand', 'Condorcet', 'Voltaire', 'Colette'])[1 + (i / 4) % 16],
                  (array['Lyon', 'Marseille', 'Lille', 'Toulouse', 'Nantes', 'Rennes', 'Strasbourg', 'Bordeaux', 'Dijon',
                         'Rouen', 'Amiens', 'Limoges', 'Poitiers', 'Nancy', 'Besançon', 'Grenoble', 'Nice', 'Montpellier',
                         'Orléans', 'Caen', 'Reims', 'Clermont-Ferrand', 'Créteil', 'Versailles', 'Paris', 'Ajaccio',
                         'Pointe-à-Pitre', 'Cayenne', 'Fort-de-France', 'Saint-Denis'])[1 + i % 30],
                  (array['Lyon', 'Aix-Marseille', 'Lille', 'Toulouse', 'Nantes', 'Rennes', 'Strasbourg', 'Bordeaux', 'Dijon',
                         'Normandie', 'Amiens', 'Limoges', 'Poitiers', 'Nancy-Metz', 'Besançon', 'Grenoble', 'Nice',
                         'Montpellier', 'Orléans-Tours', 'Normandie', 'Reims', 'Clermont-Ferrand', 'Créteil', 'Versailles',
                         'Paris', 'Corse', 'Guadeloupe', 'Guyane', 'Martinique', 'La Réunion'])[1 + i % 30]
           from generate_series(1, $1::int) as i
           on conflict (uai) do nothing"#,
        schools
    )
    .execute(&mut *tx)
    .await?;
    // Helpline agents who claim the cases.
    sqlx::query!(
        r#"insert into accounts (id, email, display_name, role, password_hash)
           select gen_random_uuid(), 'ecoutant' || i || '@3018.example.org', 'Écoutant ' || i, 'helpline', $1
           from generate_series(1, 20) as i
           on conflict (email) do nothing"#,
        hash
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The cases, by batches of 50,000.
async fn generate_cases(pool: &PgPool, cases: u64) -> anyhow::Result<()> {
    let batch: u64 = 50_000;
    let mut done = 0;
    while done < cases {
        let n = batch.min(cases - done) as i64;
        let mut tx = pool.begin().await?;
        sqlx::query!(
            r#"with agents as (select array_agg(id order by email) as ids from accounts where role = 'helpline'),
               sch as (select array_agg(id) as ids from schools where uai like '9%'),
               raw as (
                   select random() as r_status, random() as r_urgency, random() as r_platform, random() as r_kind,
                          (random() * 1095)::int as age_days, random() as r_ref, i
                   from generate_series(1, $1::bigint) as i
               ),
               shaped as (
                   select raw.*,
                          -- Cases older than four months are no longer with the helpline.
                          case when r_status < 0.58 or (age_days > 120 and r_status >= 0.72) then 'closed'
                               when r_status < 0.72 then 'open'
                               when r_status < 0.78 then 'referred' when r_status < 0.88 then 'in_progress'
                               when r_status < 0.91 then 'awaiting_school' else 'returned' end::case_status as status,
                          case when r_urgency < 0.05 then 'danger' when r_urgency < 0.3 then 'high' else 'normal' end::urgency as urgency
                   from raw
               )
               insert into cases (id, reference, school_id, status, urgency, victim_kind, victim_name, victim_group,
                                  description, started_on, platforms, kinds, victim_secured, evidence_preserved,
                                  created_at, last_activity_at, referred_at, claimed_by, claimed_at, closed_at, outcome)
               select gen_random_uuid(),
                      to_char(now() - make_interval(days => age_days), 'YYYY') || '-' || reference_number(nextval('case_reference_seq')),
                      sch.ids[1 + (i * 7919 + (r_ref * 1000)::int) % array_length(sch.ids, 1)],
                      status, urgency,
                      case when r_kind < 0.85 then 'pupil' else 'staff' end::victim_kind,
                      chr(65 + ((r_ref * 26)::int % 26)) || '. ' || chr(65 + ((r_kind * 26)::int % 26)) || '.',
                      case when r_kind < 0.85 then (array['6e', '5e', '4e', '3e', '2de', '1re'])[1 + i % 6] || ' ' || chr(65 + (i % 4)::int)
                           else 'Professeur' end,
                      'Messages et publications hostiles répétés visant la victime ; captures conservées par la famille.',
                      (now() - make_interval(days => age_days + 10))::date,
                      case when r_platform < 0.5 then array[(array['instagram', 'snapchat', 'tiktok', 'whatsapp'])[1 + (r_platform * 8)::int % 4]]
                           else array[(array['facebook', 'instagram', 'snapchat', 'tiktok', 'whatsapp', 'x', 'youtube', 'discord',
                                             'telegram', 'online_game', 'sms', 'other'])[1 + (r_platform * 24)::int % 12], 'snapchat'] end,
                      array[(array['insults', 'threats', 'rumours', 'impersonation', 'images', 'sextortion', 'exclusion', 'doxxing'])[1 + (r_kind * 8)::int % 8]],
                      true, r_kind < 0.7,
                      now() - make_interval(days => age_days),
                      now() - make_interval(days => age_days) + make_interval(hours => (r_ref * 200)::int),
                      case when status in ('referred', 'in_progress', 'awaiting_school', 'returned') or (status = 'closed' and r_ref < 0.4)
                           then now() - make_interval(days => age_days) + make_interval(hours => 2) end,
                      case when status in ('in_progress', 'awaiting_school', 'returned') or (status = 'closed' and r_ref < 0.4)
                           then agents.ids[1 + i % array_length(agents.ids, 1)] end,
                      case when status in ('in_progress', 'awaiting_school', 'returned') or (status = 'closed' and r_ref < 0.4)
                           then now() - make_interval(days => age_days) + make_interval(hours => 2)
                                + make_interval(mins => (30 + power(r_urgency, 3) * 2880)::int) end,
                      case when status = 'closed' then now() - make_interval(days => age_days) + make_interval(days => 20) end,
                      case when status = 'closed' then (array['resolved', 'sanctioned', 'judicial', 'no_follow_up'])[1 + i % 4] end
               from shaped, agents, sch"#,
            n
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done += n as u64;
        tracing::info!(done, "cases generated");
    }
    // One opening event per generated case.
    let mut tx = pool.begin().await?;
    sqlx::query!(
        r#"insert into case_events (case_id, kind, data, created_at)
           select c.id, 'created', '{}', c.created_at from cases c
           where not exists (select 1 from case_events e where e.case_id = c.id)"#
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
