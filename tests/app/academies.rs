//! Académie scope: an administrator attached to académies manages only the
//! schools and accounts of those académies (404 outside, as for cases),
//! sees only their counts, and not the platform-wide pages; national
//! administrators choose an administrator's académies.

use reqwest::StatusCode;
use vigie::db;
use vigie::domain::status::Role;
use vigie::domain::values::Uai;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn an_academie_administrator_manages_only_the_schools_and_accounts_of_that_academie() {
    let app = TestApp::spawn().await;
    let lyon = app.school("0691664K", "Collège Jean Moulin").await;
    let uai = Uai::parse("0750656P").unwrap();
    let paris = db::schools::upsert_school(&app.db, &uai, "Lycée Victor Hugo", "Paris", "Paris")
        .await
        .unwrap();
    let uai = Uai::parse("0750001A").unwrap();
    db::schools::upsert_school(&app.db, &uai, "Collège Voltaire", "Paris", "Paris")
        .await
        .unwrap();
    let lyon_head = app
        .account("lyon@example.org", Role::SchoolStaff, &[lyon])
        .await;
    let paris_head = app
        .account("paris@example.org", Role::SchoolStaff, &[paris])
        .await;
    app.account("agent@example.org", Role::Helpline, &[]).await;

    // A national administrator makes another one the administrator of Lyon.
    let national = app.logged_in(Role::Admin).await;
    let rectorat = app.account("rectorat@example.org", Role::Admin, &[]).await;
    let page = format!("/admin/accounts/{rectorat}");
    let p = national
        .submit(
            &page,
            &format!("{page}/academies"),
            &[("academies", "Atlantide")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#academies-error").contains("Atlantide"));
    let p = national
        .submit(
            &page,
            &format!("{page}/academies"),
            &[("academies", "Lyon")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(
        national
            .get(&page)
            .await
            .text("main")
            .contains("académie Lyon")
    );

    let b = app.browser();
    b.login("rectorat@example.org", PASSWORD).await;
    let overview = b.get("/admin").await;
    assert!(overview.text("main").contains("académie Lyon"));
    assert!(!overview.has("a[href='/admin/audit']"));
    assert!(overview.text("main").contains("Établissements : 1"));
    let schools = b.get("/admin/schools").await.text("main");
    assert!(
        schools.contains("0691664K") && !schools.contains("0750656P"),
        "{schools}"
    );
    let accounts = b.get("/admin/accounts").await.text("main");
    assert!(accounts.contains("lyon@example.org"), "{accounts}");
    for other in [
        "paris@example.org",
        "agent@example.org",
        "rectorat@example.org",
    ] {
        assert!(!accounts.contains(other), "{other} listed: {accounts}");
    }

    // Outside the académie, accounts do not exist for it.
    let there = format!("/admin/accounts/{paris_head}");
    assert_eq!(b.get(&there).await.status, StatusCode::NOT_FOUND);
    let p = b
        .submit("/admin", &format!("{there}/deactivate"), &[])
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = b
        .submit("/admin", &format!("{there}/second-factor/reset"), &[])
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/admin/audit").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/admin/mail").await.status, StatusCode::NOT_FOUND);

    // Inside: its school staff, but no Paris school, no role change.
    let here = format!("/admin/accounts/{lyon_head}");
    assert_eq!(b.get(&here).await.status, StatusCode::OK);
    let p = b
        .submit(&here, &format!("{here}/schools"), &[("uai", "0750001A")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = b
        .submit(&here, &format!("{here}/role"), &[("role", "admin")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text(".error-summary").contains("administrateur national"));

    // Invitations: school staff of its académie only.
    let invite = |email: &'static str, role: &'static str, schools: &'static str| {
        let b = &b;
        async move {
            b.submit(
                "/admin/accounts/new",
                "/admin/accounts/new",
                &[
                    ("email", email),
                    ("display_name", "Nouvelle personne"),
                    ("role", role),
                    ("schools", schools),
                ],
            )
            .await
        }
    };
    let p = invite("x@example.org", "helpline", "").await;
    assert!(p.text("#role-error").contains("administrateur national"));
    let p = invite("y@example.org", "school_staff", "0750001A").await;
    assert!(p.text("#schools-error").contains("0750001A"));
    let p = invite("z@example.org", "school_staff", "0691664K").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get(&p.location()).await.status, StatusCode::OK);

    // The national administrator still sees everything.
    let all = national.get("/admin/accounts").await.text("main");
    assert!(all.contains("paris@example.org") && all.contains("agent@example.org"));
    assert_eq!(national.get(&there).await.status, StatusCode::OK);
}

#[tokio::test]
async fn schools_are_imported_edited_and_closed_from_the_site() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in(Role::Admin).await;
    let import = |csv: &'static str| {
        let admin = &admin;
        async move {
            admin
                .submit_multipart(
                    "/admin/schools/import",
                    "/admin/schools/import",
                    &[],
                    vec![("file", "etablissements.csv", csv.as_bytes().to_vec())],
                )
                .await
        }
    };
    // A bad line: nothing imported, its number said.
    let p = import("uai,name,town,academie\n0691664K,Collège Jean Moulin,Lyon,Lyon\nPASUNUAI,Collège B,Nice,Nice\n").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.text("#file-error").contains("Ligne 3"),
        "{}",
        p.text("#file-error")
    );
    assert_eq!(app.count("schools").await, 0);
    let p = import("uai,name,town,academie\n0691664K,Collège Jean Moulin,Lyon,Lyon\n0750656P,\"Lycée Victor Hugo, Paris\",Paris,Paris\n").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.text("[role=status]")
            .contains("2 établissements importés")
    );
    assert_eq!(app.count("schools").await, 2);
    let lyon = db::schools::find_by_uai(&app.db, &Uai::parse("0691664K").unwrap())
        .await
        .unwrap()
        .unwrap();

    // Edited: the list shows the new name.
    let page = format!("/admin/schools/{}", lyon.id);
    let p = admin
        .submit(
            &page,
            &page,
            &[
                ("name", "Collège Jean-Moulin"),
                ("town", "Lyon 8e"),
                ("academie", "Lyon"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get("/admin/schools?q=0691664K")
            .await
            .text("main")
            .contains("Collège Jean-Moulin")
    );
    let p = admin
        .submit(
            &page,
            &page,
            &[("name", ""), ("town", "Lyon"), ("academie", "Lyon")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.has("#name-error"));

    // A head teacher's case, then the school closes.
    let head_email = "direction@example.org";
    app.account(head_email, Role::SchoolStaff, &[lyon.id]).await;
    let head = app.browser();
    head.login(head_email, PASSWORD).await;
    let case = head.open_case(&[], vec![]).await;
    let p = admin.submit(&page, &format!("{page}/close"), &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get("/admin/schools")
            .await
            .text("main")
            .contains("Fermé")
    );
    // No longer offered to the public; no new case; its cases stay readable.
    let anyone = app.browser();
    assert_eq!(
        anyone.get("/signaler/0691664K").await.status,
        StatusCode::NOT_FOUND
    );
    let found = anyone.get("/signaler/etablissements?q=Moulin").await;
    assert!(!found.body.contains("0691664K"));
    let mut fields = crate::helpers::valid_case_fields();
    fields.push(("school", ""));
    let p = head
        .submit_multipart("/school/cases/new", "/school/cases", &fields, vec![])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Cet établissement est fermé"));
    assert_eq!(
        head.get(&format!("/school/cases/{case}")).await.status,
        StatusCode::OK
    );
    // Reopened: offered again.
    admin.submit(&page, &format!("{page}/reopen"), &[]).await;
    assert_eq!(
        anyone.get("/signaler/0691664K").await.status,
        StatusCode::OK
    );
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where record_type = 'school' and action in ('schools_imported', 'school_edited', 'school_closed', 'school_reopened')",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, 4);

    // An académie administrator imports only its académie's schools.
    let b = app.lyon_administrator().await;
    let p = b
        .submit_multipart(
            "/admin/schools/import",
            "/admin/schools/import",
            &[],
            vec![("file", "e.csv", b"uai,name,town,academie\n0690002B,Lycee A,Lyon,Lyon\n0130001A,College B,Marseille,Aix-Marseille\n".to_vec())],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#file-error").contains("Ligne 3"));
    let paris = db::schools::find_by_uai(&app.db, &Uai::parse("0750656P").unwrap())
        .await
        .unwrap()
        .unwrap();
    let there = format!("/admin/schools/{}", paris.id);
    assert_eq!(b.get(&there).await.status, StatusCode::NOT_FOUND);
    let p = b.submit("/admin", &format!("{there}/close"), &[]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}
