//! The case dossier as a PDF: typeset on the server, read back with
//! poppler's `pdftotext` and `pdfimages` as its recipient's software would.

use std::io::Cursor;
use std::process::Command;

use reqwest::StatusCode;
use vigie::domain::status::Role;

use crate::helpers::{TempDir, TestApp, pdf};

/// A real picture of `width` × `height` in `format`, of one colour.
fn picture(width: u32, height: u32, rgb: [u8; 3], format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb(rgb));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

/// Runs a poppler tool on `bytes` (then `after`); its standard output.
fn poppler(tool: &str, args: &[&str], bytes: &[u8], after: &[&str]) -> String {
    let dir = TempDir::new();
    let path = dir.0.join("dossier.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(after)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_pdf_dossier_has_the_facts_the_timeline_the_hashes_and_the_thumbnails() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let files = vec![
        (
            "evidence",
            "capture écran.png",
            picture(800, 600, [200, 20, 20], image::ImageFormat::Png),
        ),
        (
            "evidence",
            "story.jpg",
            picture(500, 1000, [20, 200, 20], image::ImageFormat::Jpeg),
        ),
        (
            "evidence",
            "message.png",
            picture(1200, 400, [20, 20, 200], image::ImageFormat::Png),
        ),
        ("evidence", "plainte.pdf", pdf()),
    ];
    let description =
        "Messages répétés sur le groupe de la classe.\nMenaces « tu vas voir » reçues le soir.";
    let case = b.open_case(&[("description", description)], files).await;
    let url = format!("/school/cases/{case}");
    for n in 1..=28 {
        let note = format!("Note numéro {n} : élève entendue, famille prévenue");
        b.submit(&url, &format!("{url}/notes"), &[("note", &note)])
            .await;
    }
    let events: i64 = sqlx::query_scalar("select count(*) from case_events")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(events >= 30, "{events} events");

    let page = b.get(&url).await;
    let href = page.attr("a[href$='/dossier.pdf']", "href").unwrap();
    let (status, headers, bytes) = b.get_bytes(&href).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".pdf")
    );
    assert!(headers.get("content-encoding").is_none());

    let text = poppler("pdftotext", &["-enc", "UTF-8"], &bytes, &["-"]);
    let reference: String = sqlx::query_scalar("select reference from cases")
        .fetch_one(&app.db)
        .await
        .unwrap();
    for expected in [
        reference.as_str(),
        "Collège 0691664K",
        "Messages répétés sur le groupe de la classe.",
        "Menaces « tu vas voir » reçues le soir.",
        "Note numéro 1 : élève entendue",
        "Note numéro 28 : élève entendue",
        "capture écran.png",
        "plainte.pdf",
        "Historique",
        "Généré par",
        "Page 1 sur",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF:\n{text}"
        );
    }
    let hashes: Vec<String> = sqlx::query_scalar("select sha256 from evidence")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 4);
    for h in &hashes {
        assert!(text.contains(h.as_str()), "hash {h} not in the PDF");
    }

    // Three thumbnails, scaled down, none for the PDF file.
    let list = poppler("pdfimages", &["-list"], &bytes, &[]);
    let mut sizes: Vec<(u32, u32)> = list
        .lines()
        .skip(2)
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols[3].parse().unwrap(), cols[4].parse().unwrap())
        })
        .collect();
    sizes.sort();
    assert_eq!(sizes, [(180, 360), (360, 120), (360, 270)], "{list}");

    // Generation is audited; an agent who does not hold the case gets 404.
    let agent = app.logged_in(Role::Helpline).await;
    b.submit(&url, &format!("{url}/refer"), &[("note", "")])
        .await;
    assert_eq!(agent.get(&href).await.status, StatusCode::NOT_FOUND);
    let audited: Vec<String> = sqlx::query_scalar(
        "select result from audit_log where action = 'export_dossier_pdf' order by chain_seq",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, ["ok", "denied"]);
    // The head teacher sees it among the case's consultations.
    let log = b.get(&format!("{url}/consultations")).await;
    assert!(log.body.contains("a généré le dossier PDF"));
}
