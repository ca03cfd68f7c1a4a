//! Printing the figures: one table (operation, rate, 200s, CPU, the signing-only ceiling beside
//! each token row and the ratio to it, the target), then the first failure of any row.
use super::measure::{Figure, Row};
use super::{Alg, CLIENT_CREDENTIALS_SCOPE, CODE_SCOPE};

/// ES256 `client_credentials` responses per second on one core.
pub const ES256_CLIENT_CREDENTIALS_TARGET: f64 = 3_000.0;
/// RS256 token responses as a fraction of raw RSA-2048 signatures per second.
pub const RS256_RATIO_TARGET: f64 = 0.8;
/// Introspection requests per second on one core.
pub const INTROSPECTION_TARGET: f64 = 10_000.0;

/// The signing-only rate of `alg` measured in this run.
fn ceiling(figures: &[Figure], alg: Alg) -> Option<f64> {
    figures
        .iter()
        .find(|f| f.row == Row::Sign(alg))
        .map(Figure::rate)
}

/// JWTs signed per token response (the access token and the ID token).
pub const JWTS_PER_RESPONSE: f64 = 2.0;

/// The target of a row and whether it was met. The RS256 ratio is judged as asked (responses
/// against raw signatures) and, in parentheses, per signed JWT.
fn target(row: Row, rate: f64, ratio: Option<f64>) -> String {
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    match row {
        Row::ClientCredentials(Alg::Es256) => format!(
            "> 3,000/s/core: {}",
            verdict(rate > ES256_CLIENT_CREDENTIALS_TARGET)
        ),
        Row::Code(Alg::Rs256) | Row::ClientCredentials(Alg::Rs256) => format!(
            ">= 80 % of raw RS256: {} (per JWT: {})",
            verdict(ratio.is_some_and(|r| r >= RS256_RATIO_TARGET)),
            verdict(ratio.is_some_and(|r| r * JWTS_PER_RESPONSE >= RS256_RATIO_TARGET))
        ),
        Row::Introspect => format!("> 10,000/s/core: {}", verdict(rate > INTROSPECTION_TARGET)),
        _ => String::new(),
    }
}

fn percent(v: Option<f64>) -> String {
    v.map(|p| format!("{p:.0} %")).unwrap_or_else(|| "-".into())
}

/// Prints the table under `title`.
pub fn print_table(title: &str, figures: &[Figure]) {
    println!("{title}:");
    println!(
        "  code grants: scope \"{}\" (refresh token issued); client_credentials: scope \"{CLIENT_CREDENTIALS_SCOPE}\"",
        CODE_SCOPE.join(" ")
    );
    println!(
        "  {:<38} {:>9} {:>13} {:>8} {:>6} {:>9} {:>12} {:>6} {:>8}  target",
        "operation",
        "per s",
        "200s/sent",
        "own CPU",
        "PG CPU",
        "per CPU-s",
        "sign-only/s",
        "ratio",
        "per JWT"
    );
    for f in figures {
        let rate = f.rate();
        let alg = match f.row {
            Row::Code(alg) | Row::ClientCredentials(alg) => Some(alg),
            _ => None,
        };
        let ceiling = alg.and_then(|a| ceiling(figures, a));
        let ratio = ceiling.filter(|c| *c > 0.0).map(|c| rate / c);
        println!(
            "  {:<38} {:>9.0} {:>13} {:>8} {:>6} {:>9} {:>12} {:>6} {:>8}  {}",
            f.row.label(),
            rate,
            format!("{}/{}", f.ok, f.count),
            percent(f.percent(f.cpu)),
            percent(f.percent(f.db_cpu)),
            f.per_cpu_second()
                .map(|r| format!("{r:.0}"))
                .unwrap_or_else(|| "-".into()),
            ceiling.map(|c| format!("{c:.0}")).unwrap_or_default(),
            ratio
                .map(|r| format!("{:.0} %", r * 100.0))
                .unwrap_or_default(),
            ratio
                .map(|r| format!("{:.0} %", r * JWTS_PER_RESPONSE * 100.0))
                .unwrap_or_default(),
            target(f.row, rate, ratio)
        );
    }
    println!(
        "  (per CPU-s = answers per second of CPU of this process and the PostgreSQL server together)"
    );
    println!(
        "  (ratio = token responses/s / signing-only rate of the same key; every token response signs two JWTs, the access and the ID token, so the ratio cannot exceed 50 %; per JWT = 2 x ratio)"
    );
    for f in figures {
        if let Some(failure) = &f.first_failure {
            let short: String = failure.chars().take(300).collect();
            println!("  {}: first failure: {short}", f.row.label());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_compare_rates_and_ratios() {
        assert!(target(Row::ClientCredentials(Alg::Es256), 3_001.0, None).ends_with("met"));
        assert!(target(Row::ClientCredentials(Alg::Es256), 2_000.0, None).ends_with("MISSED"));
        let half = target(Row::Code(Alg::Rs256), 10.0, Some(0.45));
        assert!(half.contains("RS256: MISSED (per JWT: met)"), "{half}");
        let low = target(Row::Code(Alg::Rs256), 10.0, Some(0.3));
        assert!(low.contains("RS256: MISSED (per JWT: MISSED)"), "{low}");
        let high = target(Row::ClientCredentials(Alg::Rs256), 10.0, Some(0.85));
        assert!(high.contains("RS256: met (per JWT: met)"), "{high}");
        assert!(target(Row::Introspect, 12_000.0, None).ends_with("met"));
        assert_eq!(target(Row::Userinfo, 1.0, None), "");
    }
}
