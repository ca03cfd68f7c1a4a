//! The measurements: each sends requests through the router (after one untimed warm-up request
//! of the same kind), `concurrency` of them in flight at once (1: one at a time), until the budget
//! is spent, counting 200s and timing only the requests; authorization codes are created in
//! batches between timed stretches. CPU time of this process and of the PostgreSQL server
//! processes (listed anew before each stretch) is read around each timed stretch.
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use serde_json::Value;

use super::setup::{Bench, setup};
use super::{Alg, Budget, cpu, requests, signing};
use crate::TestApp;

/// Requests (and authorization codes) per batch between two CPU readings.
const BATCH: u64 = 500;

/// What a row of the table measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// `JwtSigner::sign` (and `JweEncrypter::encrypt`) only.
    Sign(Alg),
    /// `grant_type=authorization_code`.
    Code(Alg),
    /// `grant_type=client_credentials` with the provider's secret.
    ClientCredentials(Alg),
    /// `GET /application/o/userinfo/`.
    Userinfo,
    /// `POST /application/o/introspect/`.
    Introspect,
}

impl Row {
    /// The operation column of the table.
    pub fn label(self) -> String {
        match self {
            Row::Sign(Alg::Rs256Jwe) => "sign RS256 + JWE encrypt (only)".into(),
            Row::Sign(alg) => format!("sign {} (only)", alg.label()),
            Row::Code(alg) => format!("token: authorization_code, {}", alg.label()),
            Row::ClientCredentials(alg) => format!("token: client_credentials, {}", alg.label()),
            Row::Userinfo => "userinfo".into(),
            Row::Introspect => "introspection".into(),
        }
    }
}

/// The outcome of one measurement.
#[derive(Debug, Clone)]
pub struct Figure {
    /// What was measured.
    pub row: Row,
    /// Timed requests (or signatures).
    pub count: u64,
    /// Of which answered 200 (all of them for signatures).
    pub ok: u64,
    /// Timed wall clock.
    pub elapsed: Duration,
    /// CPU of this process (all threads) in the timed stretches (`None` without `/proc`).
    pub cpu: Option<Duration>,
    /// CPU of the PostgreSQL server processes in the timed stretches (`None` on SQLite).
    pub db_cpu: Option<Duration>,
    /// Status and body of the first non-200 answer (warm-up included).
    pub first_failure: Option<String>,
}

impl Figure {
    /// 200s (or signatures) per second of timed wall clock.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ok as f64 / secs
        } else {
            0.0
        }
    }

    /// 200s (or signatures) per second of CPU spent by this process and the PostgreSQL server
    /// together: the rate per busy core, whatever else the machine was doing (`None` without
    /// `/proc` or with too little CPU time to measure).
    pub fn per_cpu_second(&self) -> Option<f64> {
        let spent = self.cpu? + self.db_cpu.unwrap_or_default();
        let secs = spent.as_secs_f64();
        (secs > 0.0).then(|| self.ok as f64 / secs)
    }

    /// `part` as a percentage of the timed wall clock.
    pub fn percent(&self, part: Option<Duration>) -> Option<f64> {
        let secs = self.elapsed.as_secs_f64();
        part.filter(|_| secs > 0.0)
            .map(|p| p.as_secs_f64() * 100.0 / secs)
    }
}

/// Exchanges one fresh RS256 code; returns the token response.
async fn rs256_tokens(app: &TestApp, bench: &Bench) -> Result<Value, String> {
    let client = bench.client(Alg::Rs256)?;
    let codes = requests::create_codes(app, client, bench.user, 1).await?;
    let code = codes.first().ok_or("no code created")?;
    let (status, body) = requests::send(app, requests::code_exchange(client, code)?).await?;
    if status != 200 {
        return Err(format!(
            "code exchange: {status} {}",
            String::from_utf8_lossy(&body)
        ));
    }
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

/// The next request of `row` (`code` is the authorization code to exchange, `access` the token
/// userinfo and introspection present).
fn request(
    bench: &Bench,
    row: Row,
    code: Option<&String>,
    access: &str,
) -> Result<http::Request<axum::body::Body>, String> {
    match row {
        Row::Code(alg) => requests::code_exchange(bench.client(alg)?, code.ok_or("out of codes")?),
        Row::ClientCredentials(alg) => requests::client_credentials(bench.client(alg)?),
        Row::Userinfo => requests::userinfo(access),
        Row::Introspect => requests::introspect(bench.client(Alg::Rs256)?, access),
        Row::Sign(_) => Err("not an HTTP measurement".into()),
    }
}

/// Creates `n` codes when `row` needs them.
async fn codes_for(app: &TestApp, bench: &Bench, row: Row, n: u64) -> Result<Vec<String>, String> {
    match row {
        Row::Code(alg) => requests::create_codes(app, bench.client(alg)?, bench.user, n).await,
        _ => Ok(vec![]),
    }
}

/// Measures one HTTP operation with `concurrency` requests in flight (at least 1).
///
/// # Errors
/// Setting up failed (a code could not be created), or a request could not be sent at all.
pub async fn measure_http(
    app: &TestApp,
    bench: &Bench,
    row: Row,
    budget: Budget,
    concurrency: usize,
) -> Result<Figure, String> {
    let access = match row {
        Row::Userinfo | Row::Introspect => rs256_tokens(app, bench).await?["access_token"]
            .as_str()
            .ok_or("token response without access_token")?
            .to_string(),
        _ => String::new(),
    };
    let on_pg = app.kind == crate::DbKind::Postgres;
    let mut fig = Figure {
        row,
        count: 0,
        ok: 0,
        elapsed: Duration::ZERO,
        cpu: Some(Duration::ZERO),
        db_cpu: on_pg.then_some(Duration::ZERO),
        first_failure: None,
    };
    let warm = codes_for(app, bench, row, 1).await?;
    let (status, body) = requests::send(app, request(bench, row, warm.first(), &access)?).await?;
    if status != 200 {
        fig.first_failure = Some(format!("{status} {}", String::from_utf8_lossy(&body)));
        fig.count = 1;
        return Ok(fig);
    }
    while !budget.finished(fig.count, fig.elapsed) {
        let n = budget.next_batch(fig.count, BATCH);
        let codes = codes_for(app, bench, row, n).await?;
        // Listed before every stretch: the direct PostgreSQL path opens its connections (each a
        // server process) on first use.
        let pids = cpu::backend_pids(app).await;
        let (cpu0, db0) = (cpu::process(), cpu::processes(&pids));
        let start = Instant::now();
        let before = fig.elapsed;
        // No request is started once the time is up; those in flight are awaited and counted.
        let time_left = |_: &u64| {
            let left = match budget {
                Budget::Time(limit) => before + start.elapsed() < limit,
                Budget::Requests(_) => true,
            };
            std::future::ready(left)
        };
        let mut answers = futures_util::stream::iter(0..n)
            .take_while(time_left)
            .map(|i| {
                let code = codes.get(usize::try_from(i).unwrap_or(usize::MAX));
                let req = request(bench, row, code, &access);
                async move { requests::send(app, req?).await }
            })
            .buffer_unordered(concurrency.max(1));
        while let Some((status, body)) = answers.try_next().await? {
            fig.count += 1;
            if status == 200 {
                fig.ok += 1;
            } else if fig.first_failure.is_none() {
                fig.first_failure = Some(format!("{status} {}", String::from_utf8_lossy(&body)));
            }
        }
        drop(answers);
        fig.elapsed += start.elapsed();
        let spent = cpu::process().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
        fig.cpu = fig.cpu.zip(spent).map(|(a, b)| a + b);
        let db = cpu::processes(&pids).saturating_sub(db0);
        fig.db_cpu = fig.db_cpu.map(|a| a + db);
    }
    Ok(fig)
}

/// Every row, in table order.
pub fn all_rows() -> Vec<Row> {
    let mut rows: Vec<Row> = Alg::ALL.into_iter().map(Row::Sign).collect();
    rows.extend(Alg::ALL.map(Row::Code));
    rows.extend([Alg::Es256, Alg::Rs256].map(Row::ClientCredentials));
    rows.extend([Row::Userinfo, Row::Introspect]);
    rows
}

/// Sets the benchmark up on `app` and runs the measurements of `rows` with `budget` and
/// `concurrency` requests in flight (all of them: [`all_rows`]): signing only (RS256, ES256, RS256 + JWE), `authorization_code` (RS256,
/// ES256, RS256 + JWE), `client_credentials` (ES256, RS256), userinfo and introspection.
///
/// # Errors
/// Setting up failed, or a measurement could not run at all (non-200 answers are counted in the
/// figures, not errors).
pub async fn run(
    app: &TestApp,
    budget: Budget,
    concurrency: usize,
    rows: &[Row],
) -> Result<Vec<Figure>, String> {
    let bench = setup(app).await?;
    let first = rs256_tokens(app, &bench).await?;
    let id_token = first["id_token"]
        .as_str()
        .ok_or("token response without id_token")?;
    let claims = signing::claims_of(id_token)?;
    let mut figures = Vec::new();
    for row in rows {
        figures.push(match *row {
            Row::Sign(alg) => signing::measure(&bench, alg, &claims, budget)?,
            row => measure_http(app, &bench, row, budget, concurrency).await?,
        });
    }
    Ok(figures)
}
