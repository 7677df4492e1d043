//! The journeys in a real headless Chromium (chromedriver + fantoccini):
//! the whole procedure with JavaScript on and off, keyboard-only forms,
//! axe-core on every key page, screenshots at phone and desktop sizes under
//! `target/screenshots/` (look at them).
//!
//! Needs Debian's `chromium` and `chromium-driver`, and axe-core from npm in
//! `target/axe` (`.ci/run` installs all three when missing).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use vigie::domain::status::Role;

use crate::helpers::{PASSWORD, TempDir, TestApp, png};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1366, 768);

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn axe_source() -> String {
    let path = std::env::var("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace().join("target/axe/node_modules/axe-core/axe.min.js"));
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "axe-core is missing at {}: run `npm install --prefix target/axe axe-core@4` (or .ci/run)",
            path.display()
        )
    })
}

/// A headless Chromium driven through its own chromedriver.
struct Browser {
    client: Client,
    driver: Child,
    base: String,
    shots: PathBuf,
    _profile: TempDir,
    /// The pages checked with axe, by name.
    axed: std::sync::Mutex<Vec<String>>,
}

impl Drop for Browser {
    /// Kills chromedriver and every browser process it started (they share
    /// its process group), even when a test panicked before `close`.
    fn drop(&mut self) {
        let group = nix::unistd::Pid::from_raw(self.driver.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.driver.wait();
    }
}

/// The processes whose command line mentions `needle` (from /proc).
fn processes_mentioning(needle: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(needle))
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    async fn start(app: &TestApp, javascript: bool, label: &str) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            // A group of its own: the browsers it starts can be killed with it.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver is missing: apt-get install chromium chromium-driver (or .ci/run)",
            );
        // chromedriver is ready when it accepts connections.
        let mut ready = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ready, "chromedriver did not start");
        let profile = TempDir::new();
        let mut prefs = json!({});
        if !javascript {
            prefs = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let caps = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.0.display()),
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                ],
                "prefs": prefs,
            }
        });
        let caps = match caps {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        let shots = workspace().join("target/screenshots").join(label);
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            client,
            driver,
            base: app.base.clone(),
            shots,
            _profile: profile,
            axed: Default::default(),
        }
    }

    /// Ends the WebDriver session (Chromium quits), stops chromedriver, and
    /// checks that no process of this browser is left behind.
    async fn close(mut self) {
        let client = self.client.clone();
        client.close().await.expect("the WebDriver session ends");
        let profile = self._profile.0.display().to_string();
        let group = nix::unistd::Pid::from_raw(self.driver.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGTERM);
        let _ = self.driver.wait();
        // Reaped browser processes disappear from /proc at once; give the
        // kernel the time to tear down those that were still exiting.
        let mut left = processes_mentioning(&profile);
        for _ in 0..50 {
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            left = processes_mentioning(&profile);
        }
        assert!(left.is_empty(), "browser processes left behind: {left:?}");
    }

    async fn go(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                let url = self
                    .client
                    .current_url()
                    .await
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                let main = match self.client.find(Locator::Css("main")).await {
                    Ok(m) => m.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                panic!(
                    "{css} not found ({e}) on {url}:\n{}",
                    main.chars().take(1500).collect::<String>()
                );
            }
        }
    }

    /// Presses one key on whatever has the focus, as a keyboard would.
    async fn press(&self, key: char) {
        let actions = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client.perform_actions(actions).await.unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap();
    }

    /// Clicks a submit button and waits for the next page to show `expect`.
    async fn submit(&self, button: &str, expect: &str) {
        self.click(button).await;
        self.find(expect).await;
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    async fn login(&self, email: &str) {
        self.go("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.submit("form[action='/login'] button", "#code").await;
        self.fill("#code", &crate::helpers::next_code(&self.base, email))
            .await;
        self.submit("form[action='/connexion/code'] button", ".user-name")
            .await;
    }

    async fn logout(&self) {
        self.submit("form[action='/logout'] button", "#email").await;
    }

    /// Screenshots of the current page at phone and desktop sizes, with a
    /// check that nothing overflows sideways.
    async fn shoot(&self, name: &str) {
        for (w, h, size) in [
            (PHONE.0, PHONE.1, "phone"),
            (DESKTOP.0, DESKTOP.1, "desktop"),
        ] {
            self.client.set_window_size(w, h).await.unwrap();
            let overflow = self
                .client
                .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![])
                .await;
            if let Ok(Value::Number(n)) = overflow
                && n.as_i64().unwrap_or(0) > 0
            {
                // Name the outermost elements that stick out, to fix them.
                let culprits = self
                    .client
                    .execute(
                        "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > w + 1)).slice(0, 5).map(e => e.tagName + '.' + e.className + ' in ' + (e.parentElement ? e.parentElement.tagName + '.' + e.parentElement.className + ' ' + getComputedStyle(e.parentElement).overflowX : '') + ' ' + Math.round(e.getBoundingClientRect().width) + 'px');",
                        vec![],
                    )
                    .await;
                panic!("{name} overflows sideways at {size} by {n} px: {culprits:?}");
            }
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(self.shots.join(format!("{name}-{size}.png")), png).unwrap();
        }
        self.client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .unwrap();
    }

    /// Runs axe-core on the page; fails on any serious or critical violation.
    async fn axe(&self, name: &str) {
        self.axed.lock().unwrap().push(name.to_owned());
        let script = format!(
            "{}\nconst done = arguments[arguments.length - 1];\
             axe.run(document, {{ resultTypes: ['violations'] }}).then(r => done(r.violations.map(v => ({{ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3) }})))).catch(e => done([{{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }}]));",
            axe_source()
        );
        let result = self.client.execute_async(&script, vec![]).await.unwrap();
        let violations = result.as_array().cloned().unwrap_or_default();
        let summary: Vec<String> = violations
            .iter()
            .map(|v| format!("{} ({}) {} {}", v["id"], v["impact"], v["help"], v["nodes"]))
            .collect();
        std::fs::write(
            self.shots.join(format!("{name}-axe.txt")),
            summary.join("\n"),
        )
        .unwrap();
        let serious: Vec<&String> = violations
            .iter()
            .zip(&summary)
            .filter(|(v, _)| matches!(v["impact"].as_str(), Some("serious") | Some("critical")))
            .map(|(_, s)| s)
            .collect();
        assert!(serious.is_empty(), "{name}: axe violations: {serious:#?}");
    }

    /// Screenshots and accessibility check of a key page.
    async fn check_page(&self, name: &str, javascript: bool) {
        self.shoot(name).await;
        if javascript {
            self.axe(name).await;
        }
    }
}

fn screenshot_file(dir: &Path) -> PathBuf {
    let p = dir.join("capture-ecran.png");
    std::fs::write(&p, png()).unwrap();
    p
}

/// The whole procedure, through the pages, as the three users would.
async fn whole_procedure(javascript: bool, label: &str) {
    let app = TestApp::spawn().await;
    let school = app.school("0691664K", "Collège Jean Moulin").await;
    app.account("principale@example.org", Role::SchoolStaff, &[school])
        .await;
    app.account("ecoutante@example.org", Role::Helpline, &[])
        .await;
    let files = TempDir::new();
    let shot = screenshot_file(&files.0);
    let b = Browser::start(&app, javascript, label).await;

    // A parent reports with a screenshot.
    b.go("/").await;
    b.check_page("home", javascript).await;
    b.click("a[href='/signaler']").await;
    b.fill("#q", "Jean Moulin").await;
    if javascript {
        // The type-ahead lists the school as one types.
        b.find("#school-results a[href='/signaler/0691664K']").await;
    } else {
        b.submit(
            "form[role=search] button",
            "#school-results a[href='/signaler/0691664K']",
        )
        .await;
    }
    b.check_page("find-school", javascript).await;
    b.click("#school-results a[href='/signaler/0691664K']")
        .await;
    b.find("#description").await;
    b.check_page("report-form", javascript).await;
    b.click("input[name=reporter_kind][value=parent]").await;
    b.click("input[name=danger][value=no]").await;
    b.fill(
        "#description",
        "Mon fils reçoit des insultes tous les soirs sur un serveur Discord de la classe.",
    )
    .await;
    b.click("input[name=platforms][value=discord]").await;
    b.click("input[name=kinds][value=insults]").await;
    b.fill("#victim_first_name", "Noé").await;
    b.fill("#victim_class", "4e B").await;
    b.find("#evidence")
        .await
        .send_keys(shot.to_str().unwrap())
        .await
        .unwrap();
    b.submit(
        "form[action='/signaler/0691664K'] button[type=submit]",
        ".followup-code code",
    )
    .await;
    let code = b.text(".followup-code code").await;
    assert_eq!(code.len(), 24);
    b.check_page("report-sent", javascript).await;

    // The head teacher turns the report into a case and refers it.
    b.login("principale@example.org").await;
    b.check_page("dashboard", javascript).await;
    b.click("a[href='/school/reports']").await;
    b.find("table.reports").await;
    b.check_page("inbox", javascript).await;
    b.click("table.reports tbody a").await;
    b.find("a[href^='/school/cases/new?report=']").await;
    b.check_page("report", javascript).await;
    b.click("a[href^='/school/cases/new?report=']").await;
    b.find("#victim_name").await;
    b.check_page("case-form", javascript).await;
    b.click("input[name=urgency][value=high]").await;
    b.click("input[name=checklist][value=secured]").await;
    b.select("#target_platform_0", "discord").await;
    b.fill("#target_value_0", "discord.example/user/moqueur")
        .await;
    b.submit(
        "form[action='/school/cases'] button[type=submit]",
        ".timeline",
    )
    .await;
    let case_path = b.path().await;
    assert!(
        b.text(".evidence").await.contains("capture-ecran.png"),
        "the report's screenshot is in the case"
    );
    b.check_page("case", javascript).await;
    // The head teacher corrects the urgency: the timeline says before → after.
    b.click("#correction summary").await;
    b.select("#fix_urgency", "danger").await;
    b.check_page("case-correction", javascript).await;
    b.submit(
        &format!("form[action='{case_path}/correct'] button"),
        ".event-corrected",
    )
    .await;
    let corrected = b.text(".event-corrected").await;
    assert!(
        corrected.contains("Urgence : « Élevée » → « Danger »"),
        "{corrected}"
    );
    b.submit(
        &format!("form[action='{case_path}/refer'] button"),
        ".status-referred",
    )
    .await;
    b.logout().await;

    // The helpline agent claims it, records an account-closure request and its outcome, returns it.
    b.login("ecoutante@example.org").await;
    b.find("table.queue").await;
    b.check_page("queue", javascript).await;
    b.click("table.queue tbody a").await;
    let helpline_path = b.path().await;
    b.submit(
        &format!("form[action='{helpline_path}/claim'] button"),
        ".status-in_progress",
    )
    .await;
    b.check_page("helpline-case", javascript).await;
    let target = b
        .find("#request_target option:nth-child(2)")
        .await
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    b.select("#request_target", &target).await;
    b.select("#request_kind", "account_closure").await;
    b.fill("#request_reference", "DSC-2291").await;
    b.submit(
        &format!("form[action='{helpline_path}/requests'] button"),
        "table.requests",
    )
    .await;
    b.select("table.requests select[name=outcome]", "done")
        .await;
    b.submit("table.requests form button", "table.requests")
        .await;
    assert!(b.text("table.requests").await.contains("Obtenu"));
    b.fill(
        "#intervention_topic",
        "Atelier sur les réseaux sociaux en 4e",
    )
    .await;
    b.submit(
        &format!("form[action='{helpline_path}/intervention'] button"),
        ".interventions",
    )
    .await;
    b.fill(
        "#conclusions",
        "Compte fermé par Discord ; la famille a été conseillée.",
    )
    .await;
    // Returned, the case is the school's again: the agent lands on the queue.
    b.submit(
        &format!("form[action='{helpline_path}/return'] button"),
        "table.queue, p.empty",
    )
    .await;
    assert_eq!(b.path().await, "/helpline");
    b.logout().await;

    // The head teacher accepts the intervention, records a sanction and closes.
    b.login("principale@example.org").await;
    b.go(&case_path).await;
    b.click(".interventions input[name=answer][value=accept]")
        .await;
    b.check_page("intervention-answer", javascript).await;
    b.submit(".interventions form button", ".interventions strong")
        .await;
    assert!(
        b.text(".interventions")
            .await
            .contains("Acceptée, prévue le")
    );
    b.select("#sanction_kind", "responsibility_measure").await;
    b.submit(
        &format!("form[action='{case_path}/sanctions'] button"),
        "#sanctions li",
    )
    .await;
    b.select("#outcome", "sanctioned").await;
    b.submit(
        &format!("form[action='{case_path}/close'] button"),
        ".status-closed",
    )
    .await;
    b.logout().await;

    // The parent's follow-up page shows the case closed.
    b.go("/suivi").await;
    b.fill("#code", &code).await;
    b.submit("form[action='/suivi'] button", ".status-line")
        .await;
    assert!(
        b.text(".status-line").await.contains("clos"),
        "{}",
        b.text(".status-line").await
    );
    b.check_page("follow-up", javascript).await;
    b.go("/accessibilite").await;
    b.check_page("accessibility", javascript).await;
    b.go("/mentions-legales").await;
    b.check_page("legal", javascript).await;
    if javascript {
        // The statement lists what is checked: every page it names was.
        let mut axed = b.axed.lock().unwrap().clone();
        axed.extend(ELSEWHERE.iter().map(|n| n.to_string()));
        axed.sort();
        let mut listed: Vec<String> = vigie::web::public::AXE_CHECKED_PAGES
            .iter()
            .map(|(name, _)| name.to_string())
            .collect();
        listed.sort();
        assert_eq!(axed, listed);
    }
    b.close().await;
}

/// Pages the other browser tests check with axe.
const ELSEWHERE: [&str; 22] = [
    "platforms",
    "admin-statistics",
    "school-figures",
    "supervision",
    "admin-school",
    "admin-school-import",
    "invite",
    "invitation",
    "enrol",
    "recovery-codes",
    "second-factor",
    "case-form-errors",
    "bulk-result",
    "admin-schools",
    "admin-accounts",
    "admin-mail",
    "admin-audit",
    "admin-overview",
    "verification",
    "account",
    "forgot-password",
    "admin-account",
];

#[tokio::test]
async fn triage_and_administration_pages_pass_axe() {
    let app = TestApp::spawn().await;
    let (school, school_id) = app.head_teacher("0691664K").await;
    let school_page = format!("/admin/schools/{school_id}");
    let case = school.open_case(&[], vec![]).await;
    let s = format!("/school/cases/{case}");
    school
        .submit(&s, &format!("{s}/refer"), &[("note", "")])
        .await;
    let agent = app
        .account("ecoutante@example.org", Role::Helpline, &[])
        .await;
    let agent_page = format!("/admin/accounts/{agent}");
    app.account("admin@example.org", Role::Admin, &[]).await;
    let b = Browser::start(&app, true, "lists").await;
    b.login("ecoutante@example.org").await;
    b.go("/helpline").await;
    b.click(&format!("input[name=cases][value='{case}']")).await;
    // The queue has an h1 too: wait for the result page's own section.
    b.submit("#triage button[value=claim]", "#faits-titre")
        .await;
    assert!(
        b.text("main h1")
            .await
            .contains("Prise en charge : 1 dossier")
    );
    b.check_page("bulk-result", true).await;
    b.go("/helpline/supervision").await;
    b.find("svg[role=img]").await;
    b.check_page("supervision", true).await;
    b.go("/helpline/plateformes").await;
    b.find("main h1").await;
    b.check_page("platforms", true).await;
    b.logout().await;
    b.login("admin@example.org").await;
    for (path, name) in [
        ("/admin/schools", "admin-schools"),
        ("/admin/accounts", "admin-accounts"),
        ("/admin/mail", "admin-mail"),
        ("/admin/audit", "admin-audit"),
        ("/admin/statistiques", "admin-statistics"),
        ("/admin", "admin-overview"),
        ("/verification", "verification"),
        ("/compte", "account"),
        (agent_page.as_str(), "admin-account"),
        (school_page.as_str(), "admin-school"),
        ("/admin/schools/import", "admin-school-import"),
    ] {
        b.go(path).await;
        b.find("main h1").await;
        b.check_page(name, true).await;
    }
    b.logout().await;
    b.login("direction-0691664k@example.org").await;
    b.go("/school/chiffres").await;
    b.find("svg[role=img]").await;
    b.check_page("school-figures", true).await;
    b.logout().await;
    b.go("/mot-de-passe-oublie").await;
    b.find("main h1").await;
    b.check_page("forgot-password", true).await;
    let listed = vigie::web::public::AXE_CHECKED_PAGES;
    for name in ELSEWHERE.iter().skip(1) {
        assert!(
            listed.iter().any(|(n, _)| n == name),
            "{name} is not in the statement"
        );
    }
    b.close().await;
}

#[tokio::test]
async fn an_invited_head_teacher_enrols_an_authenticator_in_chromium() {
    let (smtp, port) = crate::smtp::SmtpServer::start(0);
    let app = TestApp::with_smtp(port).await;
    app.school("0691664K", "Collège Jean Moulin").await;
    app.account("admin@example.org", Role::Admin, &[]).await;
    let b = Browser::start(&app, true, "invitation").await;
    b.login("admin@example.org").await;
    b.go("/admin/accounts/new").await;
    b.check_page("invite", true).await;
    b.fill("#email", "garnier@example.org").await;
    b.fill("#display_name", "Mme Garnier, principale").await;
    b.fill("#schools", "0691664K").await;
    b.submit(
        "form[action='/admin/accounts/new'] button",
        "#invitation-titre",
    )
    .await;
    b.logout().await;
    app.deliver(chrono::Utc::now()).await;
    let mail = smtp.received().into_iter().last().expect("the invitation");
    let start = mail.body.find("/invitation/").unwrap();
    let link: String = mail.body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    b.go(&link).await;
    b.check_page("invitation", true).await;
    b.fill("#password", "girafe tambour nuage poivre").await;
    b.fill("#confirm", "girafe tambour nuage poivre").await;
    b.submit("main form button", ".qr svg").await;
    // The QR code is drawn: a square of at least 200 px on the page.
    let size = b
        .client
        .execute(
            "const r = document.querySelector('.qr svg').getBoundingClientRect(); return Math.min(r.width, r.height);",
            vec![],
        )
        .await
        .unwrap();
    assert!(size.as_f64().unwrap() >= 200.0, "QR code of {size} px");
    b.check_page("enrol", true).await;
    let secret = vigie::auth::totp::secret_from_text(&b.text("#secret").await).unwrap();
    let step = vigie::auth::totp::step_of(chrono::Utc::now().timestamp());
    b.fill("#code", &vigie::auth::totp::code_at_step(&secret, step))
        .await;
    b.submit("main form button", "#recovery-codes").await;
    b.check_page("recovery-codes", true).await;
    b.submit("main a.button", ".user-name").await;
    assert_eq!(b.path().await, "/school");
    b.logout().await;
    b.go("/login").await;
    b.fill("#email", "garnier@example.org").await;
    b.fill("#password", "girafe tambour nuage poivre").await;
    b.submit("form[action='/login'] button", "#code").await;
    b.check_page("second-factor", true).await;
    b.fill("#code", &vigie::auth::totp::code_at_step(&secret, step + 1))
        .await;
    b.submit("form[action='/connexion/code'] button", ".user-name")
        .await;
    assert_eq!(b.path().await, "/school");
    b.close().await;
}

#[tokio::test]
async fn the_whole_procedure_in_chromium_with_javascript() {
    whole_procedure(true, "js").await;
}

#[tokio::test]
async fn the_whole_procedure_in_chromium_without_javascript() {
    whole_procedure(false, "no-js").await;
}

/// Presses Tab until the focused element matches `css` (at most 80 times).
async fn tab_to(b: &Browser, css: &str) -> Element {
    for _ in 0..80 {
        let active = b.client.active_element().await.unwrap();
        let matches = b
            .client
            .execute(
                "return document.activeElement.matches(arguments[0]);",
                vec![json!(css)],
            )
            .await
            .unwrap();
        if matches == json!(true) {
            // Focus must be visible.
            let outline = b
                .client
                .execute("const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth;", vec![])
                .await
                .unwrap();
            let outline = outline.as_str().unwrap_or_default().to_owned();
            assert!(
                !outline.starts_with("none") && !outline.ends_with(" 0px"),
                "focus not visible on {css}: {outline}"
            );
            return active;
        }
        drop(active);
        b.press(Key::Tab.into()).await;
    }
    panic!("Tab never reached {css}");
}

async fn type_keys(b: &Browser, css: &str, text: &str) {
    tab_to(b, css).await.send_keys(text).await.unwrap();
}

async fn press_space(b: &Browser, css: &str) {
    tab_to(b, css).await;
    b.press(' ').await;
}

async fn press_enter(b: &Browser, css: &str) {
    tab_to(b, css).await;
    b.press(Key::Enter.into()).await;
}

#[tokio::test]
async fn the_report_and_case_forms_work_with_the_keyboard_alone() {
    let app = TestApp::spawn().await;
    let school = app.school("0691664K", "Collège Jean Moulin").await;
    app.account("principale@example.org", Role::SchoolStaff, &[school])
        .await;
    let b = Browser::start(&app, true, "keyboard").await;

    // The report form: radios and checkboxes with Space, text typed, Enter to send.
    b.go("/signaler/0691664K").await;
    // Tab enters a radio group once; the arrow keys choose inside it.
    tab_to(&b, "input[name=reporter_kind][value=parent]").await;
    for _ in 0..3 {
        b.press(Key::Down.into()).await;
    }
    let chosen = b
        .client
        .execute(
            "return document.querySelector('input[name=reporter_kind]:checked').value;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(chosen, json!("witness"));
    press_space(&b, "input[name=danger][value=yes]").await;
    assert!(
        b.find("[data-emergency]")
            .await
            .is_displayed()
            .await
            .unwrap(),
        "danger shows the numbers at once"
    );
    type_keys(
        &b,
        "#description",
        "Des photos truquées d'une élève circulent sur Instagram.",
    )
    .await;
    press_space(&b, "input[name=platforms][value=instagram]").await;
    press_space(&b, "input[name=kinds][value=images]").await;
    press_enter(&b, "form[action='/signaler/0691664K'] button[type=submit]").await;
    b.find(".followup-code").await;

    // The case form: an empty submission opens on an error summary whose links move focus.
    b.login("principale@example.org").await;
    b.go("/school/cases/new").await;
    press_enter(&b, "form[action='/school/cases'] button[type=submit]").await;
    b.find("[data-error-summary]").await;
    let focused = b
        .client
        .execute(
            "return document.activeElement.hasAttribute('data-error-summary');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused, json!(true), "the error summary takes the focus");
    press_enter(&b, "[data-error-summary] a[href='#victim_kind']").await;
    let id = b
        .client
        .execute("return document.activeElement.name;", vec![])
        .await
        .unwrap();
    assert_eq!(
        id,
        json!("victim_kind"),
        "the summary link moves focus to the field"
    );
    assert!(
        vigie::web::public::AXE_CHECKED_PAGES
            .iter()
            .any(|(name, _)| *name == "case-form-errors")
    );
    b.axe("case-form-errors").await;
    b.shoot("case-form-errors").await;

    // Now complete it with the keyboard only (focus is on the first radio).
    b.press(' ').await;
    type_keys(&b, "#victim_name", "L. M.").await;
    type_keys(&b, "#victim_group", "3e A").await;
    type_keys(
        &b,
        "#description",
        "Rumeurs répétées sur un groupe WhatsApp de la classe.",
    )
    .await;
    press_space(&b, "input[name=platforms][value=whatsapp]").await;
    press_space(&b, "input[name=kinds][value=rumours]").await;
    press_enter(&b, "form[action='/school/cases'] button[type=submit]").await;
    b.find(".timeline").await;
    assert!(b.path().await.starts_with("/school/cases/"));
    assert!(b.text(".facts").await.contains("L. M."));
    b.close().await;
}
