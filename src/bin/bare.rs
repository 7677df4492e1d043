//! The bare reference of the page benchmark (`tests/bench/pages.sh`): the
//! same stack as Vigie (axum, sqlx, askama) serving the smallest page that
//! reads PostgreSQL — 12 rows, one added, sorted, escaped — so Vigie's pages
//! are compared with what the stack itself allows, in the same run.
//! Usage: `bare ADDR DATABASE_URL` (the table `fortunes` must exist).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

#[derive(Template, WebTemplate)]
#[template(path = "bench/fortunes.html")]
struct Fortunes {
    fortunes: Vec<(i32, String)>,
}

async fn fortunes(State(db): State<PgPool>) -> Result<Fortunes, String> {
    let mut fortunes: Vec<(i32, String)> = sqlx::query_as("select id, message from fortunes")
        .fetch_all(&db)
        .await
        .map_err(|e| e.to_string())?;
    fortunes.push((0, "Additional fortune added at request time.".into()));
    fortunes.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(Fortunes { fortunes })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(url)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: bare ADDR DATABASE_URL");
    };
    let db = PgPoolOptions::new()
        .max_connections(20)
        .connect(&url)
        .await?;
    let app = Router::new()
        .route("/fortunes", get(fortunes))
        .route("/plaintext", get(|| async { "Hello, World!" }))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
