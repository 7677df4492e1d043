//! The sealed dossier: exported by the school or the agent holding the case,
//! byte-for-byte files and a signed manifest; checked by anyone on
//! `/verification` or with `vigie dossier verify`, which name an altered
//! file and refuse a changed manifest.

use std::io::{Cursor, Read, Write};
use std::process::Command;

use sha2::Digest;

use reqwest::StatusCode;
use vigie::domain::status::Role;
use vigie::ops::dossier::verify;

use crate::helpers::{TempDir, TestApp, pdf, png};

/// Every entry of a ZIP, in order.
fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

/// The same ZIP rebuilt (valid checksums) with `change` applied to entries.
fn rebuilt(zip: &[u8], change: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries(zip) {
        if let Some(bytes) = change(&name, bytes) {
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_sealed_dossier_verifies_and_names_what_was_changed() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let (other, _) = app.head_teacher("0750656P").await;
    let case = b
        .open_case(
            &[],
            vec![
                ("evidence", "capture.png", png()),
                ("evidence", "plainte.pdf", pdf()),
            ],
        )
        .await;
    let page = b.get(&format!("/school/cases/{case}")).await;
    let href = page.attr("a[href$='/dossier']", "href").unwrap();
    let (status, headers, zip) = b.get_bytes(&href).await;
    let zip = zip.to_vec();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("dossier-")
    );
    let files = entries(&zip);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "dossier.pdf",
            "pieces/001-capture.png",
            "pieces/002-plainte.pdf",
            "manifest.json",
            "manifest.sig"
        ]
    );
    assert!(files[0].1.starts_with(b"%PDF-"));
    assert_eq!(files[1].1, png());
    assert_eq!(files[2].1, pdf());
    let manifest: serde_json::Value = serde_json::from_slice(&files[3].1).unwrap();
    let reference: String = sqlx::query_scalar("select reference from cases")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(manifest["case_reference"], reference.as_str());
    assert_eq!(manifest["school_uai"], "0691664K");
    assert_eq!(manifest["files"][2]["original_name"], "plainte.pdf");
    // The PDF is listed with its hash like any file.
    assert_eq!(manifest["files"][0]["path"], "dossier.pdf");
    assert_eq!(
        manifest["files"][0]["sha256"],
        hex::encode(sha2::Sha256::digest(&files[0].1))
    );
    let seal = &app.config.seal;
    assert!(verify(Cursor::new(&zip[..]), seal).unwrap().holds());

    // Outside the school, or an agent who does not hold it: 404.
    assert_eq!(other.get(&href).await.status, StatusCode::NOT_FOUND);
    let page_url = format!("/school/cases/{case}");
    b.submit(&page_url, &format!("{page_url}/refer"), &[("note", "")])
        .await;
    let agent = app.logged_in(Role::Helpline).await;
    assert_eq!(agent.get(&href).await.status, StatusCode::NOT_FOUND);
    let h = format!("/helpline/cases/{case}");
    agent.submit(&h, &format!("{h}/claim"), &[]).await;
    assert_eq!(agent.get_bytes(&href).await.0, StatusCode::OK);
    let audited: Vec<String> = sqlx::query_scalar(
        "select result from audit_log where action = 'export_dossier' order by chain_seq",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, ["ok", "denied", "denied", "ok"]);

    // Anyone, logged out, on /verification.
    let anyone = app.browser();
    let check = async |bytes: Vec<u8>| {
        let token = anyone.get("/verification").await.csrf();
        anyone
            .post_multipart(
                "/verification",
                &token,
                &[],
                vec![("dossier", "dossier.zip", bytes)],
            )
            .await
    };
    let p = check(zip.clone()).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.text("#verdict-titre"), "Dossier authentique et intact");
    assert!(p.body.contains(&seal.public_base64()));

    // One byte of one file changed: that file is named.
    let one_byte = rebuilt(&zip, |name, mut bytes| {
        if name == "pieces/002-plainte.pdf" {
            bytes[3] ^= 1;
        }
        Some(bytes)
    });
    let p = check(one_byte.clone()).await;
    assert_eq!(p.text("#verdict-titre"), "Dossier modifié");
    assert!(
        p.body.contains("pieces/002-plainte.pdf") && !p.body.contains("pieces/001-capture.png")
    );
    let v = verify(Cursor::new(&one_byte[..]), seal).unwrap();
    assert_eq!(
        (v.genuine, v.altered),
        (true, vec!["pieces/002-plainte.pdf".to_owned()])
    );

    // The manifest changed: the signature fails.
    let forged = rebuilt(&zip, |name, bytes| {
        Some(if name == "manifest.json" {
            String::from_utf8(bytes)
                .unwrap()
                .replace("0691664K", "0750656P")
                .into_bytes()
        } else {
            bytes
        })
    });
    let p = check(forged).await;
    assert_eq!(p.text("#verdict-titre"), "Signature non reconnue");
    // A file removed and one added are named too; something else is refused.
    let shuffled = rebuilt(&zip, |name, bytes| {
        (name != "pieces/001-capture.png").then_some(bytes)
    });
    let v = verify(Cursor::new(&shuffled[..]), seal).unwrap();
    assert_eq!(v.missing, ["pieces/001-capture.png"]);
    let p = check(png()).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.text("#dossier-error")
            .contains("n'est pas un dossier exporté par Vigie")
    );

    // The command line, on a machine with only the key.
    let dir = TempDir::new();
    let path = dir.0.join("dossier.zip");
    let run = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        Command::new(env!("CARGO_BIN_EXE_vigie"))
            .args(["dossier", "verify", path.to_str().unwrap()])
            .env("DATA_DIR", &dir.0)
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .env(
                "SIGNING_KEY",
                "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
            )
            .output()
            .unwrap()
    };
    let out = run(&zip);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Genuine and intact"));
    let out = run(&one_byte);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("altered: pieces/002-plainte.pdf"));
}
